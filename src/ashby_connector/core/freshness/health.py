"""The health of a tenant's connections, in plain words: what ``GET /connections`` and the
operator console show for each connection.

States: ``healthy`` (the last run succeeded and nothing waits on a person), ``syncing`` (a run
holds the connection now), ``pending`` (no run finished yet), and ``attention`` with its reason:
Ashby refused the key (revoked or rotated there), the key lost a permission it had when the
connection was made, unified events fail to reach a subscriber, Ashby's rate limit stopped the
last run, or the last run failed otherwise. A reason outranks ``syncing``: a run in progress does
not make a refused key fine.

Every figure comes from a fixed number of queries whatever the number of connections
(``store.overview``), so the list of hundreds costs what the list of one does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from ashby_connector.core.freshness.schedules import Schedules
from ashby_connector.core.syncs.history import POLL_HOLDER_SUFFIX, SyncRun, run_from_values
from ashby_connector.store import Store
from ashby_connector.store import overview as facts
from ashby_connector.store.sync_runs import is_finished
from ashby_connector.store.tenancy import ConnectionRow
from ashby_connector.sync.engine import KEY_REFUSED
from ashby_connector.times import iso, iso_epoch

State = Literal["healthy", "syncing", "pending", "attention"]
STATES: tuple[State, ...] = ("healthy", "syncing", "pending", "attention")
# What the badge says for each state.
LABELS: dict[str, str] = {
    "healthy": "healthy",
    "syncing": "syncing",
    "pending": "not synced yet",
    "attention": "needs attention",
}
MISSING_PERMISSION = "missing permission "
MAX_REASON = 400


@dataclass(frozen=True)
class Health:
    state: State
    # Why, for ``attention``: a code a program can test, and a sentence for a person.
    code: str | None = None
    reason: str | None = None

    @property
    def label(self) -> str:
        return LABELS[self.state]

    def to_api(self) -> dict[str, Any]:
        return {"state": self.state, "label": self.label, "code": self.code, "reason": self.reason}


@dataclass(frozen=True)
class ConnectionOverview:
    """One connection as the list shows it."""

    id: str
    owner_id: str
    key_title: str | None
    health: Health
    running: bool
    paused: bool
    last_run: SyncRun | None
    last_success_at: datetime | None
    lag_seconds: float | None
    next_run_at: float | None
    records: int
    requests_last_hour: int
    failing_deliveries: int

    def to_api(self) -> dict[str, Any]:
        return {
            "health": self.health.to_api(),
            "running": self.running,
            "paused": self.paused,
            "lastRun": self.last_run.to_api(with_report=False) if self.last_run else None,
            "lastSuccessAt": iso(self.last_success_at),
            "lagSeconds": None if self.lag_seconds is None else round(self.lag_seconds, 1),
            "nextRunAt": iso_epoch(self.next_run_at),
            "records": self.records,
            "requestsLastHour": self.requests_last_hour,
            "failingDeliveries": self.failing_deliveries,
        }


def judge(
    row: ConnectionRow,
    *,
    running: bool,
    last_run: SyncRun | None,
    last_finished: SyncRun | None,
    failing_deliveries: int,
) -> Health:
    """The connection's health from its newest runs and its deliveries."""
    problem = _problem(row, last_finished, failing_deliveries)
    if problem is not None:
        return problem
    if running or (last_run is not None and not is_finished(last_run.status)):
        return Health("syncing")
    if last_finished is None:
        return Health("pending")
    return Health("healthy")


def _problem(row: ConnectionRow, run: SyncRun | None, failing_deliveries: int) -> Health | None:
    errors = _run_errors(run) if run is not None else []
    if any("AuthenticationError" in e or KEY_REFUSED in e for e in errors):
        return Health(
            "attention",
            "key_refused",
            "Ashby refused the key: it was revoked or rotated in Ashby. Put the new key on this "
            "connection (rotate the key).",
        )
    lost = _lost_permissions(row, run)
    if lost:
        return Health(
            "attention",
            "permission_lost",
            f"The key lost a permission it had: {', '.join(lost)}. Enable it again on the key in "
            "Ashby (Admin > Integrations > API keys).",
        )
    if failing_deliveries:
        many = "event delivery is" if failing_deliveries == 1 else "event deliveries are"
        return Health(
            "attention",
            "deliveries_failing",
            f"{failing_deliveries} {many} failing: a subscriber's URL does not accept them. See "
            "Event subscriptions.",
        )
    if run is None or run.status != "failed":
        return None
    if any("RateLimitError" in e for e in errors):
        return Health(
            "attention",
            "budget_exhausted",
            "Ashby's rate limit was used up and the last run stopped before it finished; the next "
            "run resumes where it stopped.",
        )
    first = errors[0] if errors else "no reason was recorded"
    return Health("attention", "last_run_failed", _short(f"The last run failed: {first}"))


def _run_errors(run: SyncRun) -> list[str]:
    """The run's error and each failed stream's error, in that order."""
    found = [run.error] if run.error else []
    for stream in (run.report or {}).get("streams") or []:
        if stream.get("status") == "failed" and stream.get("error"):
            found.append(f"{stream.get('stream')}: {stream['error']}")
    return found


def _lost_permissions(row: ConnectionRow, run: SyncRun | None) -> list[str]:
    """Permissions the last run lacked that the key had when it was connected (or last rotated):
    a key that never had one is a choice, not a loss."""
    if run is None or not row.scopes:
        return []
    had = set(row.scopes)
    report = run.report or {}
    lost = {str(p) for p in report.get("missing_permissions") or [] if p in had}
    for stream in report.get("streams") or []:
        error = stream.get("error") or ""
        if stream.get("status") == "skipped" and error.startswith(MISSING_PERMISSION):
            permission = error[len(MISSING_PERMISSION) :].strip()
            if permission in had:
                lost.add(permission)
    return sorted(lost)


def _short(text: str) -> str:
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


class ConnectionHealth:
    """Overviews of connections, for the REST list and the console alike."""

    def __init__(self, store: Store, schedules: Schedules, *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.schedules = schedules
        self.clock = clock

    def overviews(self, rows: Sequence[ConnectionRow], *, records: bool = True) -> list[ConnectionOverview]:
        """One overview per connection, in the order given; about ten queries whatever their number.
        Counting records reads every record table: with ``records=False`` they are left at 0 for
        ``count_records`` to fill in for the few a page shows."""
        ids = [r.id for r in rows]
        engine = self.store.engine
        now = self.clock()
        newest = facts.newest_runs(engine, ids)
        built: dict[str, SyncRun] = {}  # the newest, finished and successful run are often one
        since = datetime.fromtimestamp(now, UTC) - timedelta(hours=1)
        requests = facts.requests_since(engine, ids, since)
        stalest = facts.stalest_streams(engine, ids)
        counts = facts.record_counts(engine, ids) if records else {}
        failing = facts.failing_deliveries(engine, ids)
        holders = facts.held_leases(engine, ids, now)
        schedules = self.schedules.for_connections(ids)
        out = []
        for row in rows:
            runs = newest.get(row.id)
            last_run = _built(built, runs.latest if runs else None)
            last_finished = _built(built, runs.finished if runs else None)
            succeeded = _built(built, runs.succeeded if runs else None)
            holder = holders.get(row.id)
            running = holder is not None and not holder.endswith(POLL_HOLDER_SUFFIX)
            schedule = schedules[row.id]
            oldest = stalest.get(row.id)
            out.append(
                ConnectionOverview(
                    id=row.id,
                    owner_id=row.owner_id,
                    key_title=row.key_title,
                    health=judge(
                        row,
                        running=running,
                        last_run=last_run,
                        last_finished=last_finished,
                        failing_deliveries=failing.get(row.id, 0),
                    ),
                    running=running,
                    paused=schedule.paused,
                    last_run=last_run,
                    last_success_at=succeeded.finished_at if succeeded else None,
                    lag_seconds=None if oldest is None else max(0.0, now - oldest.timestamp()),
                    next_run_at=schedule.next_run_at(),
                    records=counts.get(row.id, 0),
                    requests_last_hour=requests.get(row.id, 0),
                    failing_deliveries=failing.get(row.id, 0),
                )
            )
        return out

    def overview(self, row: ConnectionRow) -> ConnectionOverview:
        return self.overviews([row])[0]

    def count_records(self, overviews: Sequence[ConnectionOverview]) -> list[ConnectionOverview]:
        """The same overviews with their records counted (one query for all of them)."""
        counts = facts.record_counts(self.store.engine, [o.id for o in overviews])
        return [replace(o, records=counts.get(o.id, 0)) for o in overviews]


def select(
    overviews: Iterable[ConnectionOverview], *, state: str | None = None, owner: str | None = None
) -> list[ConnectionOverview]:
    """Those in ``state`` whose owner id contains ``owner`` (ignoring case)."""
    wanted = owner.casefold() if owner else None
    return [
        o
        for o in overviews
        if (state is None or o.health.state == state) and (wanted is None or wanted in o.owner_id.casefold())
    ]


def _built(built: dict[str, SyncRun], values: Mapping[str, Any] | None) -> SyncRun | None:
    if values is None:
        return None
    run = built.get(values["id"])
    if run is None:
        run = built[values["id"]] = run_from_values(values)
    return run
