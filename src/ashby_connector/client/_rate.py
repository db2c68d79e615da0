"""The rate budget: one token bucket per API key, shared by the whole process.

Every client object, thread and asyncio task using the same key draws from the same bucket, so
running many syncs in parallel never exceeds the key's budget. The bucket hands out *reservations*
(how long to wait before sending), computed under a ``threading.Lock``; the sync client sleeps with
``time.sleep`` and the async client with ``asyncio.sleep``, so the same logic serves both.

Ashby counts requests per key over a minute (the emulator over any sliding 60 seconds). A bucket
refilling at rate ``r`` with room for ``b`` tokens sends at most ``b + 60 r`` in any minute, so the
bucket keeps a burst of one second and refills at 97 % of the budget: 16 + 970 = 986 of 1,000 in
the worst minute, which leaves about a second of slack for network jitter and still uses 97 % of
the budget when busy.

A 429 means the server's window is full: nothing is sent for ``Retry-After`` (or about one second
when Ashby does not say), and the rate drops by a fifth (429s within one second count as one), then
comes back linearly within six seconds. Repeated 429s keep cutting it, down to 10 %.

Priorities: clients send with ``try_take(priority)``. An ``interactive`` call (proxy, live read,
write) goes as soon as one token is there; a ``background`` call (sync pages) only while a quarter
of the burst stays in the bucket, so interactive calls never queue behind a sync.

Budgets are pluggable (``RateBudget``): ``use_backend(factory)`` makes ``budget_for`` hand out
another implementation, such as the PostgreSQL-backed budget every process of a deployment
shares (``ashby_connector.store.shared_budget``). A 429 whose ``X-RateLimit-Scope`` is
``integration-partner`` is partner-wide: ``partner_throttled`` slows every key of the process (and
the backend's, which shares it with the deployment).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Literal, Protocol

HEADROOM = 0.97  # share of the budget the bucket refills at (see the module docstring)
BURST_SECONDS = 1.0
PAUSE_SECONDS = 1.0  # after a 429 without Retry-After
_CUT = 0.8
_CUT_GROUPING_SECONDS = 1.0
_MIN_FACTOR = 0.1
_RECOVERY_PER_SECOND = 1 / 30  # a single cut (to 0.8) is recovered in six seconds
INTERACTIVE_RESERVE = 0.25  # share of the burst that background calls leave to interactive ones
MIN_POLL_SECONDS = 0.005
PARTNER_SCOPE = "integration-partner"
PARTNER_CUT = 0.5
PARTNER_RECOVERY_PER_SECOND = 1 / 120  # a partner-wide cut to 0.5 is recovered in a minute

Priority = Literal["interactive", "background"]


class RateBudget(Protocol):
    """What a client needs from a key's budget (the process bucket or a shared one)."""

    @property
    def per_minute(self) -> float: ...

    def try_take(self, priority: Priority = "interactive") -> float:
        """0: a token was taken, send now; otherwise ask again after that many seconds."""
        ...

    def penalize(self, retry_after: float | None = None) -> None:
        """Ashby answered 429 for this key."""
        ...

    def in_use(self) -> float:
        """Share of the per-minute budget taken in the last minute (by this process)."""
        ...


class _Usage:
    """Tokens taken in the last minute, for ``in_use``."""

    def __init__(self) -> None:
        self._times: deque[float] = deque()

    def add(self, now: float) -> None:
        self._times.append(now)

    def last_minute(self, now: float) -> int:
        while self._times and now - self._times[0] > 60.0:
            self._times.popleft()
        return len(self._times)


class PartnerThrottle:
    """The partner-wide slowdown of this process: a factor on every key's rate, and a pause."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._factor = 1.0
        self._updated = time.monotonic()
        self.blocked_until = 0.0
        self.last_429_at: float | None = None  # epoch seconds, for status pages
        self.count = 0

    def factor(self, now: float | None = None) -> float:
        with self._lock:
            now = time.monotonic() if now is None else now
            recovered = max(0.0, now - self._updated) * PARTNER_RECOVERY_PER_SECOND
            self._factor = min(1.0, self._factor + recovered)
            self._updated = now
            return self._factor

    def penalize(self, retry_after: float | None) -> None:
        now = time.monotonic()
        factor = self.factor(now)
        with self._lock:
            self.count += 1
            self.last_429_at = time.time()
            self._factor = max(_MIN_FACTOR, factor * PARTNER_CUT)
            self.blocked_until = max(self.blocked_until, now + (retry_after or PAUSE_SECONDS))

    def reset(self) -> None:
        with self._lock:
            self._factor, self.blocked_until, self.last_429_at, self.count = 1.0, 0.0, None, 0


PARTNER = PartnerThrottle()


def _monotonic() -> float:
    return time.monotonic()


class TokenBucket:
    def __init__(self, per_minute: float, *, clock: Callable[[], float] = _monotonic) -> None:
        # The clock is injectable so that tests of priorities and refills need not sleep.
        self._clock = clock
        self._lock = threading.Lock()
        self._per_minute = float(per_minute)
        self._factor = 1.0
        self._tokens = self.capacity
        self._updated = clock()
        self._blocked_until = 0.0
        self._last_cut = float("-inf")
        self._usage = _Usage()

    @property
    def per_minute(self) -> float:
        return self._per_minute

    @property
    def capacity(self) -> float:
        return max(1.0, self._per_minute / 60.0 * HEADROOM * BURST_SECONDS)

    @property
    def current_rate_per_second(self) -> float:
        return self._per_minute / 60.0 * HEADROOM * self._factor

    def configure(self, per_minute: float) -> None:
        with self._lock:
            self._per_minute = float(per_minute)
            self._tokens = min(self._tokens, self.capacity)

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated)
        self._updated = now
        self._factor = min(1.0, self._factor + elapsed * _RECOVERY_PER_SECOND)
        self._tokens = min(self.capacity, self._tokens + elapsed * self.current_rate_per_second)

    def reserve(self) -> float:
        """Take one token; return how many seconds the caller must wait before sending."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._tokens -= 1.0
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.current_rate_per_second
            return max(wait, self._blocked_until - now)

    def try_take(self, priority: Priority = "interactive") -> float:
        """Take a token now (0) or say when to ask again; see the module docstring for priorities."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            partner = PARTNER.factor(now)
            blocked = max(self._blocked_until, PARTNER.blocked_until) - now
            if blocked > 0:
                return blocked
            need = 1.0 if priority == "interactive" else 1.0 + self.capacity * INTERACTIVE_RESERVE
            # Partner-wide slowdown: the bucket keeps a debt as if it refilled only at that share.
            if self._tokens >= need:
                self._tokens -= 1.0 + (1.0 / partner - 1.0)
                self._usage.add(now)
                return 0.0
            return max(MIN_POLL_SECONDS, (need - self._tokens) / self.current_rate_per_second)

    def in_use(self) -> float:
        with self._lock:
            return self._usage.last_minute(self._clock()) / self._per_minute

    def refund(self) -> None:
        """Give back a token taken for a request that was not sent after all."""
        with self._lock:
            self._tokens = min(self.capacity, self._tokens + 1.0)

    def penalize(self, retry_after: float | None = None) -> None:
        """Ashby answered 429: send nothing for a while, and slow down a little."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._tokens = min(self._tokens, 0.0)
            if retry_after:
                self._blocked_until = max(self._blocked_until, now + retry_after)
            if now - self._last_cut < _CUT_GROUPING_SECONDS:
                return  # several requests in flight hit the same full window: one reaction for all
            self._last_cut = now
            self._factor = max(_MIN_FACTOR, self._factor * _CUT)
            if not retry_after:
                # A debt rather than a block: sending resumes at the normal pace, not in a burst.
                self._tokens -= PAUSE_SECONDS * self.current_rate_per_second


_registry: dict[str, TokenBucket] = {}
_registry_lock = threading.Lock()
# (key fingerprint, per minute) -> a budget; None: this process's token buckets.
BudgetBackend = Callable[[str, float], RateBudget]
_backend: BudgetBackend | None = None
# Told about partner-wide 429s besides this process (a shared backend records them for everyone).
_partner_listeners: list[Callable[[float | None], None]] = []


def bucket_for(key_fingerprint: str, per_minute: float) -> TokenBucket:
    """The process-wide bucket for a key (by fingerprint, never the key itself).

    A later client configuring a different budget for the same key changes the shared budget.
    """
    with _registry_lock:
        bucket = _registry.get(key_fingerprint)
        if bucket is None:
            bucket = _registry[key_fingerprint] = TokenBucket(per_minute)
        elif bucket.per_minute != per_minute:
            bucket.configure(per_minute)
        return bucket


def operation_buckets(key_fingerprint: str, limits: Mapping[str, float]) -> dict[str, TokenBucket]:
    """Buckets for lists with their own, lower budget (``application.listHistory``: 100/min is
    reported); shared process-wide per key and operation like the key's own bucket."""
    return {op: bucket_for(f"{key_fingerprint}:{op}", per_minute) for op, per_minute in limits.items()}


class RequestCounter:
    """Requests sent per operation (each attempt, so retries count), safe across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def add(self, operation: str) -> None:
        with self._lock:
            self._counts[operation] = self._counts.get(operation, 0) + 1

    def get(self, operation: str, default: int = 0) -> int:
        return self._counts.get(operation, default)

    def values(self) -> list[int]:
        with self._lock:
            return list(self._counts.values())

    def total(self) -> int:
        return sum(self.values())


def use_backend(backend: BudgetBackend | None) -> None:
    """Budgets from ``backend`` from now on (None: this process's token buckets again)."""
    global _backend
    with _registry_lock:
        _backend = backend


def budget_for(key_fingerprint: str, per_minute: float) -> RateBudget:
    """The budget a client of this key draws from: the backend's when one is set."""
    backend = _backend
    if backend is not None:
        return backend(key_fingerprint, per_minute)
    return bucket_for(key_fingerprint, per_minute)


def on_partner_throttle(listener: Callable[[float | None], None]) -> None:
    """Call ``listener(retry_after)`` on each partner-wide 429 (a shared backend records it)."""
    if listener not in _partner_listeners:
        _partner_listeners.append(listener)


def remove_partner_listener(listener: Callable[[float | None], None]) -> None:
    if listener in _partner_listeners:
        _partner_listeners.remove(listener)


def partner_throttled(retry_after: float | None = None) -> None:
    """A 429 with ``X-RateLimit-Scope: integration-partner``: slow every key, here and beyond."""
    PARTNER.penalize(retry_after)
    for listener in list(_partner_listeners):
        try:
            listener(retry_after)
        except Exception:  # the shared record is best effort; this process has slowed already
            logging.getLogger("ashby_connector.client").warning("could not share a partner-wide 429")


def registered_budgets() -> dict[str, TokenBucket]:
    """The process buckets by key fingerprint (metrics)."""
    with _registry_lock:
        return dict(_registry)


def reset_registry() -> None:
    """Forget every bucket, the backend and the partner-wide state (tests)."""
    global _backend
    with _registry_lock:
        _registry.clear()
        _backend = None
    _partner_listeners.clear()
    PARTNER.reset()
