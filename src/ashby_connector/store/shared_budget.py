"""One rate budget per Ashby key for the whole deployment, kept in PostgreSQL.

Every process on every machine takes its tokens from the same row of ``rate_budget`` (a token
bucket refilled at the same 97 % of the key's budget as the process bucket, ``client._rate``),
under ``SELECT ... FOR UPDATE`` and with the database's clock, so concurrent takers never
over-draw and clocks of different machines do not matter. The row is found by a keyed hash of the
key's fingerprint: the key itself is never stored.

One visit per process at a time: while one thread of a process asks the database, the process's
other takers wait for its answer instead of asking too, and when the bucket says "not yet" every
taker of the process is told the exact moment the tokens it needs are due (no coarse poll, no
herd of threads re-reading the row). A background visit takes as many tokens as the process has
takers waiting (at most ``MAX_BATCH``) and hands the spare ones to them; tokens nobody took within
``STOCK_SECONDS`` lapse, so no process saves up a burst. Background takes leave a quarter of the
burst in the row for interactive calls, which take one at a time. A partner-wide 429
(``X-RateLimit-Scope: integration-partner``) is written to the row ``*partner*``, which every take
reads: all keys of the deployment slow down and pause.

``install(engine)`` makes this the client's budget backend (``client._rate.use_backend``).
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args

import sqlalchemy as sa

from ashby_connector.client import _rate

PARTNER_ROW = "*partner*"
STOCK_SECONDS = 0.5  # tokens a process took and did not use within this lapse
MAX_BATCH = 4
_SALT = b"ashby-connector rate budget v1:"
_NOW = "extract(epoch from clock_timestamp())"
PRIORITIES: tuple[_rate.Priority, ...] = get_args(_rate.Priority)


@dataclass(frozen=True, slots=True)
class _Answer:
    granted: int  # tokens taken from the row
    waits: dict[_rate.Priority, float]  # seconds until the row has a token for each priority


def key_hash(fingerprint: str) -> str:
    return hashlib.sha256(_SALT + fingerprint.encode()).hexdigest()


class SharedRateBudget:
    """The deployment-wide budget of one key (implements ``client._rate.RateBudget``)."""

    def __init__(self, engine: sa.Engine, fingerprint: str, per_minute: float) -> None:
        self.engine = engine
        self.key = key_hash(fingerprint)
        self._per_minute = float(per_minute)
        self._lock = threading.Lock()
        self._stock = 0
        self._stock_until = 0.0
        self._asking = False  # a thread of this process is in the database for this key
        self._asked_at = 0.0
        self._visit_seconds = 0.005  # how long a visit takes (a moving average)
        self._due: dict[_rate.Priority, float] = dict.fromkeys(PRIORITIES, 0.0)  # monotonic
        self._waiting: set[int] = set()  # threads turned away since the last visit
        self.visits = 0  # database visits (a measure of what waiting costs the database)
        self._usage = _rate._Usage()
        self._ensure()

    @property
    def per_minute(self) -> float:
        return self._per_minute

    @property
    def capacity(self) -> float:
        return max(1.0, self._per_minute / 60.0 * _rate.HEADROOM * _rate.BURST_SECONDS)

    def configure(self, per_minute: float) -> None:
        self._per_minute = float(per_minute)
        with self.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE rate_budget SET per_minute = :p WHERE key_hash = :k"),
                {"p": self._per_minute, "k": self.key},
            )

    def _ensure(self) -> None:
        with self.engine.begin() as conn:
            for key, per_minute in ((self.key, self._per_minute), (PARTNER_ROW, 0.0)):
                conn.execute(
                    sa.text(
                        "INSERT INTO rate_budget (key_hash, per_minute, tokens, factor, updated_at, "
                        f"blocked_until, last_cut) VALUES (:k, :p, 0, 1, {_NOW}, 0, 0) "
                        "ON CONFLICT (key_hash) DO NOTHING"
                    ),
                    {"k": key, "p": per_minute},
                )

    # -- taking -------------------------------------------------------------------------------
    def try_take(self, priority: _rate.Priority = "interactive") -> float:
        with self._lock:
            now = time.monotonic()
            if self._stock > 0 and now < self._stock_until:
                self._stock -= 1
                self._waiting.discard(threading.get_ident())
                self._usage.add(now)
                return 0.0
            self._stock = 0
            self._waiting.add(threading.get_ident())
            if self._asking:
                # Another thread of this process is in the database: its answer (tokens to share,
                # or when they are due) comes within what a visit usually takes.
                return max(_rate.MIN_POLL_SECONDS, self._visit_seconds - (now - self._asked_at))
            due = self._due[priority] - now
            if due > 0:
                return due
            self._asking, self._asked_at = True, now
            want = min(MAX_BATCH, len(self._waiting))
            self._waiting.clear()
        try:
            answer = self._take_from_database(priority, want)
        except BaseException:
            with self._lock:
                self._asking = False
            raise
        with self._lock:
            self._asking = False
            now = time.monotonic()
            self.visits += 1
            self._visit_seconds += (now - self._asked_at - self._visit_seconds) / 8
            self._due = {p: now + answer.waits[p] for p in answer.waits}
            if answer.granted:
                self._stock = answer.granted - 1
                self._stock_until = now + STOCK_SECONDS
                self._usage.add(now)
                return 0.0
            self._waiting.add(threading.get_ident())
            return max(_rate.MIN_POLL_SECONDS, answer.waits[priority])

    def _take_from_database(self, priority: _rate.Priority, want: int) -> _Answer:
        """Take up to ``want`` tokens (one for an interactive call) if the row has them for
        ``priority``; the answer also says when each priority's next token is due."""
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.text(
                    f"SELECT tokens, factor, updated_at, blocked_until, {_NOW} AS now "
                    "FROM rate_budget WHERE key_hash = :k FOR UPDATE"
                ),
                {"k": self.key},
            ).one()
            partner = conn.execute(
                sa.text("SELECT factor, updated_at, blocked_until FROM rate_budget WHERE key_hash = :k"),
                {"k": PARTNER_ROW},
            ).one()
            now = float(row.now)
            elapsed = max(0.0, now - float(row.updated_at))
            factor = min(1.0, float(row.factor) + elapsed * _rate._RECOVERY_PER_SECOND)
            partner_factor = min(
                1.0,
                float(partner.factor)
                + max(0.0, now - float(partner.updated_at)) * _rate.PARTNER_RECOVERY_PER_SECOND,
            )
            rate = self._per_minute / 60.0 * _rate.HEADROOM * factor * partner_factor
            tokens = min(self.capacity, float(row.tokens) + elapsed * rate)
            blocked = max(float(row.blocked_until), float(partner.blocked_until)) - now
            needs = {p: self._need(p) for p in PRIORITIES}
            granted = 0
            if blocked <= 0 and tokens >= needs[priority]:
                spare = math.floor(tokens - needs[priority]) + 1
                granted = 1 if priority == "interactive" else max(1, min(want, spare))
                tokens -= granted
            conn.execute(
                sa.text(
                    "UPDATE rate_budget SET tokens = :t, factor = :f, updated_at = :u WHERE key_hash = :k"
                ),
                {"t": tokens, "f": factor, "u": now, "k": self.key},
            )
        waits = {p: max(blocked, (needs[p] - tokens) / rate, 0.0) for p in PRIORITIES}
        return _Answer(granted, waits)

    def _need(self, priority: _rate.Priority) -> float:
        """Tokens the row must hold for a take: background leaves the interactive reserve."""
        return 1.0 if priority == "interactive" else 1.0 + self.capacity * _rate.INTERACTIVE_RESERVE

    # -- 429s ---------------------------------------------------------------------------------
    def penalize(self, retry_after: float | None = None) -> None:
        """This key's 429: empty the bucket, pause (Retry-After) or owe a second, slow down."""
        with self._lock:
            self._stock = 0
            self._due = dict.fromkeys(PRIORITIES, 0.0)  # the next visit reads the pause and debt
        pause = retry_after or 0.0
        debt = 0.0 if retry_after else _rate.PAUSE_SECONDS * self._per_minute / 60.0 * _rate.HEADROOM
        with self.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "UPDATE rate_budget SET "
                    "tokens = LEAST(tokens, 0) - :debt, "
                    f"blocked_until = GREATEST(blocked_until, {_NOW} + :pause), "
                    f"factor = CASE WHEN {_NOW} - last_cut < :group THEN factor "
                    "ELSE GREATEST(:min, factor * :cut) END, "
                    f"last_cut = CASE WHEN {_NOW} - last_cut < :group THEN last_cut ELSE {_NOW} END "
                    "WHERE key_hash = :k"
                ),
                {
                    "debt": debt,
                    "pause": pause,
                    "group": _rate._CUT_GROUPING_SECONDS,
                    "min": _rate._MIN_FACTOR,
                    "cut": _rate._CUT,
                    "k": self.key,
                },
            )

    def in_use(self) -> float:
        with self._lock:
            return self._usage.last_minute(time.monotonic()) / self._per_minute


def record_partner_throttle(engine: sa.Engine, retry_after: float | None) -> None:
    """A partner-wide 429: every key of the deployment slows to half and pauses."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE rate_budget SET "
                f"factor = GREATEST(:min, LEAST(1, factor + ({_NOW} - updated_at) * :rec) * :cut), "
                f"updated_at = {_NOW}, last_cut = {_NOW}, "
                f"blocked_until = GREATEST(blocked_until, {_NOW} + :pause) WHERE key_hash = :k"
            ),
            {
                "min": _rate._MIN_FACTOR,
                "rec": _rate.PARTNER_RECOVERY_PER_SECOND,
                "cut": _rate.PARTNER_CUT,
                "pause": retry_after or _rate.PAUSE_SECONDS,
                "k": PARTNER_ROW,
            },
        )


def partner_state(engine: sa.Engine) -> dict[str, Any] | None:
    """The deployment's partner-wide slowdown: factor now, and when the last such 429 came."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                f"SELECT factor, updated_at, last_cut, {_NOW} AS now FROM rate_budget WHERE key_hash = :k"
            ),
            {"k": PARTNER_ROW},
        ).first()
    if row is None:
        return {"factor": 1.0, "last429At": None}
    factor = min(
        1.0, float(row.factor) + (float(row.now) - float(row.updated_at)) * _rate.PARTNER_RECOVERY_PER_SECOND
    )
    return {"factor": round(factor, 3), "last429At": float(row.last_cut) or None}


_budgets: dict[str, SharedRateBudget] = {}
_budgets_lock = threading.Lock()


def shared_budgets() -> dict[str, SharedRateBudget]:
    with _budgets_lock:
        return dict(_budgets)


def install(engine: sa.Engine) -> bool:
    """Make every client of this process draw from the deployment's budgets (PostgreSQL only).

    Returns False (and changes nothing) on SQLite, where the process budget is the budget.
    """
    if engine.dialect.name != "postgresql":
        return False

    def backend(fingerprint: str, per_minute: float) -> _rate.RateBudget:
        with _budgets_lock:
            budget = _budgets.get(fingerprint)
            if budget is None:
                budget = _budgets[fingerprint] = SharedRateBudget(engine, fingerprint, per_minute)
            elif budget.per_minute != per_minute:
                budget.configure(per_minute)
            return budget

    global _listener
    _rate.use_backend(backend)
    if _listener is not None:
        _rate.remove_partner_listener(_listener)
    _listener = lambda retry_after: record_partner_throttle(engine, retry_after)  # noqa: E731
    _rate.on_partner_throttle(_listener)
    return True


_listener: Callable[[float | None], None] | None = None


def uninstall() -> None:
    """Back to process budgets (a server or worker stopping; tests)."""
    global _listener
    _rate.use_backend(None)
    if _listener is not None:
        _rate.remove_partner_listener(_listener)
        _listener = None
    with _budgets_lock:
        _budgets.clear()
