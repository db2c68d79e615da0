"""Schedules per connection, and the scheduler that starts due runs exactly once.

A schedule says how often a connection syncs incrementally and how often it reconciles (a full
re-list that marks records Ashby no longer lists as deleted). A connection without a stored
schedule gets the deployment's defaults the first time a scheduler sees it.

Every scheduler (the server's, each worker's, ``sync --every``) ticks on its own. A due run is
*claimed* by moving that connection's ``next_*_at`` forward with a compare-and-set update: of any
number of schedulers seeing the same due run, exactly one update matches, so each due run starts
once. The next time is the interval plus a random jitter, so connections added together spread
out. Whether the run may start at all (never two at once) is the lease's job
(``core.syncs.history.SyncLease``), checked by whoever runs it.

A schedule also holds the fast lane's settings (``core.freshness.fast_lane``): while the connection has
webhooks on, the lists no webhook covers are polled every few seconds, claimed the same way.
"""

from __future__ import annotations

import logging
import math
import os
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ashby_connector.core.runtime.holders import holder_name
from ashby_connector.core.syncs.modes import Mode
from ashby_connector.refusals import Refusal
from ashby_connector.store import Store
from ashby_connector.store.schedules import SchedulerBeats, ScheduleRows
from ashby_connector.times import iso_epoch

log = logging.getLogger("ashby_connector.scheduler")

DEFAULT_INCREMENTAL_MINUTES = 15.0
DEFAULT_RECONCILE_HOURS = 24.0
# The fast lane: candidates and jobs, the records people edit by hand all day, reach no receiver:
# Ashby has no webhook for a candidate's edits, and jobUpdate is not among the types webhook.create
# accepts. Polling both every 3 s costs 40 requests a minute when nothing changed (4% of the
# 1,000/min budget) and keeps p95 under 5 s.
DEFAULT_FAST_EVERY_SECONDS = 3.0
DEFAULT_FAST_STREAMS: tuple[str, ...] = ("candidate", "job")
MIN_FAST_EVERY_SECONDS = 1.0
MAX_FAST_EVERY_SECONDS = 3600.0
# Bounds of what a tenant sets: a schedule at least a minute apart (the fast lane a second), a
# reconcile at least an hour apart. An operator may lower the minute for a test deployment
# (env ASHBY_CONNECTOR_MIN_INCREMENTAL_MINUTES); a tenant cannot.
MIN_INCREMENTAL_MINUTES = float(os.environ.get("ASHBY_CONNECTOR_MIN_INCREMENTAL_MINUTES", "1"))
MAX_INCREMENTAL_MINUTES = 7 * 24 * 60.0
MIN_RECONCILE_HOURS = 1.0
MAX_RECONCILE_HOURS = 24 * 366.0
JITTER_SHARE = 0.1  # next run = interval + up to 10 % of it
MAX_JITTER_SECONDS = 300.0


class ScheduleError(Refusal, ValueError):
    """A schedule that cannot be kept: 422 ``invalid_schedule`` naming the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(422, "invalid_schedule", message, field)


@dataclass(frozen=True)
class ScheduleDefaults:
    incremental_every_minutes: float = DEFAULT_INCREMENTAL_MINUTES
    reconcile_every_hours: float = DEFAULT_RECONCILE_HOURS
    paused: bool = False
    fast_every_seconds: float = DEFAULT_FAST_EVERY_SECONDS


@dataclass(frozen=True)
class Schedule:
    connection_id: str
    incremental_every_minutes: float
    reconcile_every_hours: float
    paused: bool
    next_incremental_at: float  # epoch seconds
    next_reconcile_at: float
    stored: bool = True  # False: the defaults, not yet written
    fast_every_seconds: float = DEFAULT_FAST_EVERY_SECONDS  # 0: the fast lane is off
    fast_streams: tuple[str, ...] = DEFAULT_FAST_STREAMS
    next_fast_at: float = 0.0

    def next_run_at(self) -> float | None:
        return None if self.paused else min(self.next_incremental_at, self.next_reconcile_at)

    def fast_requests_per_minute(self) -> float:
        """What the fast lane costs when nothing changes: one request per list per poll."""
        if not self.fast_every_seconds:
            return 0.0
        return round(len(self.fast_streams) * 60 / self.fast_every_seconds, 1)

    def to_api(self, *, fast_lane_active: bool | None = None) -> dict[str, object]:
        """``fast_lane_active``: whether the fast lane polls now (webhooks on, not paused, not off)."""
        out: dict[str, object] = {
            "connectionId": self.connection_id,
            "incrementalEveryMinutes": self.incremental_every_minutes,
            "reconcileEveryHours": self.reconcile_every_hours,
            "paused": self.paused,
            "nextIncrementalAt": None if self.paused else iso_epoch(self.next_incremental_at),
            "nextReconcileAt": None if self.paused else iso_epoch(self.next_reconcile_at),
            "fastEverySeconds": self.fast_every_seconds,
            "fastStreams": list(self.fast_streams),
            "fastRequestsPerMinute": self.fast_requests_per_minute(),
        }
        if fast_lane_active is not None:
            out["fastLaneActive"] = fast_lane_active
        return out


def check_bounds(field: str, value: float, low: float, high: float, what: str) -> None:
    """ScheduleError naming ``field`` unless ``low <= value <= high`` (NaN and infinities fail)."""
    if not (isinstance(value, int | float) and math.isfinite(value) and low <= value <= high):
        raise ScheduleError(field, f"{field} must be a number from {low:g} to {high:g} ({what})")


def check_schedule(
    incremental_every_minutes: float,
    reconcile_every_hours: float,
    *,
    min_incremental_minutes: float = MIN_INCREMENTAL_MINUTES,
) -> None:
    check_bounds(
        "incrementalEveryMinutes",
        incremental_every_minutes,
        min_incremental_minutes,
        MAX_INCREMENTAL_MINUTES,
        "minutes, up to a week",
    )
    check_bounds(
        "reconcileEveryHours",
        reconcile_every_hours,
        MIN_RECONCILE_HOURS,
        MAX_RECONCILE_HOURS,
        "hours, up to a year",
    )


def check_fast_lane(every_seconds: float, streams: Iterable[str]) -> tuple[str, ...]:
    """The fast lane's lists, checked: top-level lists with a syncToken, so that a poll costs one
    request per list when nothing changed (a child list costs one per parent, a plain list all of
    it)."""
    from ashby_connector.sync.streams import all_streams

    if every_seconds and not (
        math.isfinite(every_seconds) and MIN_FAST_EVERY_SECONDS <= every_seconds <= MAX_FAST_EVERY_SECONDS
    ):
        raise ScheduleError(
            "fastEverySeconds",
            f"fastEverySeconds must be 0 (off) or between {MIN_FAST_EVERY_SECONDS:g} and "
            f"{MAX_FAST_EVERY_SECONDS:g}",
        )
    known = {s.name: s for s in all_streams()}
    chosen: list[str] = []
    for name in streams:
        stream = known.get(name)
        if stream is None:
            raise ScheduleError("fastStreams", f"fastStreams: {name!r} is not a stream")
        if stream.parent is not None or stream.strategy != "incremental":
            pollable = ", ".join(
                sorted(s.name for s in known.values() if s.parent is None and s.strategy == "incremental")
            )
            raise ScheduleError(
                "fastStreams",
                f"fastStreams: {name} cannot be polled for one request: only top-level lists with a "
                f"syncToken can ({pollable})",
            )
        if name not in chosen:
            chosen.append(name)
    if every_seconds and not chosen:
        message = "fastStreams is empty: set fastEverySeconds to 0 to turn the lane off"
        raise ScheduleError("fastStreams", message)
    return tuple(chosen)


def jittered(seconds: float, rng: Callable[[], float] = random.random) -> float:
    return seconds + rng() * min(seconds * JITTER_SHARE, MAX_JITTER_SECONDS)


class Schedules:
    """Read and change schedules in the store."""

    def __init__(
        self,
        store: Store,
        defaults: ScheduleDefaults | None = None,
        *,
        clock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.store = store
        self.rows = ScheduleRows(store)
        self.defaults = defaults or ScheduleDefaults()
        self.clock = clock
        self.rng = rng

    def _first_times(self, incremental_minutes: float, reconcile_hours: float) -> tuple[float, float]:
        # The first incremental run comes soon (spread over a tenth of the interval); the first
        # reconcile after a whole interval: a new connection's first sync is a full one anyway.
        now = self.clock()
        first = now + self.rng() * min(incremental_minutes * 60 * JITTER_SHARE, MAX_JITTER_SECONDS)
        return first, now + jittered(reconcile_hours * 3600, self.rng)

    def get(self, connection_id: str) -> Schedule:
        row = self.rows.get(connection_id)
        if row is not None:
            return _schedule(row)
        return self._default(connection_id)

    def for_connections(self, connection_ids: Sequence[str]) -> dict[str, Schedule]:
        """The schedules of these connections in one query (the defaults for those without one)."""
        rows = self.rows.of_connections(connection_ids)
        return {c: _schedule(rows[c]) if c in rows else self._default(c) for c in connection_ids}

    def _default(self, connection_id: str) -> Schedule:
        d = self.defaults
        first, reconcile = self._first_times(d.incremental_every_minutes, d.reconcile_every_hours)
        return Schedule(
            connection_id,
            d.incremental_every_minutes,
            d.reconcile_every_hours,
            d.paused,
            first,
            reconcile,
            False,
            d.fast_every_seconds,
            DEFAULT_FAST_STREAMS,
        )

    def ensure(self, connection_ids: Iterable[str]) -> int:
        """Give connections without a schedule the defaults; returns how many were added."""
        wanted = set(connection_ids)
        if not wanted:
            return 0
        added = 0
        for connection_id in sorted(wanted - self.rows.connection_ids()):
            # False: another scheduler added it first, with the same defaults.
            added += self.rows.add(_values(self.get(connection_id)))
        return added

    def put(
        self,
        connection_id: str,
        *,
        incremental_every_minutes: float | None = None,
        reconcile_every_hours: float | None = None,
        paused: bool | None = None,
        fast_every_seconds: float | None = None,
        fast_streams: Iterable[str] | None = None,
        min_incremental_minutes: float = MIN_INCREMENTAL_MINUTES,
    ) -> Schedule:
        """Change a schedule (fields left None keep their value). A changed interval takes effect
        from now: the next run is at most one new interval away. ``min_incremental_minutes``: the
        floor a tenant may set; a process keeping its own key fresh (``sync --every 30s``) sets
        its own."""
        current = self.get(connection_id)
        inc = (
            current.incremental_every_minutes
            if incremental_every_minutes is None
            else incremental_every_minutes
        )
        rec = current.reconcile_every_hours if reconcile_every_hours is None else reconcile_every_hours
        check_schedule(inc, rec, min_incremental_minutes=min_incremental_minutes)
        fast = current.fast_every_seconds if fast_every_seconds is None else fast_every_seconds
        lists = check_fast_lane(fast, current.fast_streams if fast_streams is None else fast_streams)
        now = self.clock()
        next_inc = min(current.next_incremental_at, now + jittered(inc * 60, self.rng))
        next_rec = min(current.next_reconcile_at, now + jittered(rec * 3600, self.rng))
        updated = Schedule(
            connection_id,
            inc,
            rec,
            current.paused if paused is None else paused,
            next_inc,
            next_rec,
            True,
            fast,
            lists,
            min(current.next_fast_at, now + fast),
        )
        self.rows.save(_values(updated))  # the scheduler and fast lane see it now
        return updated

    def count_from_now(self, connection_id: str) -> Schedule:
        """A run just happened outside the schedule: the next incremental run is an interval away."""
        current = self.get(connection_id)
        nxt = self.clock() + jittered(current.incremental_every_minutes * 60, self.rng)
        self.rows.change(connection_id, next_incremental_at=nxt)
        return self.get(connection_id)

    def all(self) -> list[Schedule]:
        return [_schedule(r) for r in self.rows.all()]

    def claim_poll(self, schedule: Schedule) -> bool:
        """Move the fast lane's next poll on if no other process did: True = ours to run."""
        return self.rows.change_if_unchanged(
            schedule.connection_id,
            "next_fast_at",
            schedule.next_fast_at,
            next_fast_at=self.clock() + schedule.fast_every_seconds,
        )

    def claim(self, schedule: Schedule, kind: Mode) -> bool:
        """Move the run of ``kind`` to its next time if no other scheduler did: True = ours to start."""
        column = "next_incremental_at" if kind == "incremental" else "next_reconcile_at"
        seen = schedule.next_incremental_at if kind == "incremental" else schedule.next_reconcile_at
        every = (
            schedule.incremental_every_minutes * 60
            if kind == "incremental"
            else schedule.reconcile_every_hours * 3600
        )
        values: dict[str, float] = {column: self.clock() + jittered(every, self.rng)}
        if kind == "reconcile":
            # A reconcile is also an incremental run: the next incremental one counts from now.
            values["next_incremental_at"] = self.clock() + jittered(
                schedule.incremental_every_minutes * 60, self.rng
            )
        return self.rows.change_if_unchanged(schedule.connection_id, column, seen, **values)


def _values(s: Schedule) -> dict[str, object]:
    return {
        "connection_id": s.connection_id,
        "incremental_every_minutes": s.incremental_every_minutes,
        "reconcile_every_hours": s.reconcile_every_hours,
        "paused": s.paused,
        "next_incremental_at": s.next_incremental_at,
        "next_reconcile_at": s.next_reconcile_at,
        "updated_at": datetime.now(UTC),
        "fast_every_seconds": s.fast_every_seconds,
        # The deployment's default lists are stored as NULL: a default changed later applies.
        "fast_streams": None if s.fast_streams == DEFAULT_FAST_STREAMS else list(s.fast_streams),
        "next_fast_at": s.next_fast_at,
    }


def _schedule(m: Mapping[str, Any]) -> Schedule:
    streams = m["fast_streams"]
    return Schedule(
        str(m["connection_id"]),
        float(m["incremental_every_minutes"]),
        float(m["reconcile_every_hours"]),
        bool(m["paused"]),
        float(m["next_incremental_at"]),
        float(m["next_reconcile_at"]),
        True,
        float(m["fast_every_seconds"]),
        DEFAULT_FAST_STREAMS if streams is None else tuple(str(x) for x in streams),
        float(m["next_fast_at"]),
    )


# dispatch(connection_id, kind) -> True when a run was started or queued, False when skipped
# (the previous run of that connection is still going).
Dispatch = Callable[[str, Mode], bool]


@dataclass
class TickResult:
    started: list[tuple[str, Mode]]
    skipped: list[tuple[str, Mode]]


class Scheduler:
    """Starts due runs through ``dispatch``; ``connections()`` lists the connections to keep fresh."""

    def __init__(
        self,
        schedules: Schedules,
        connections: Callable[[], Iterable[str]],
        dispatch: Dispatch,
        *,
        tick_seconds: float = 5.0,
        clock: Callable[[], float] = time.time,
        holder: str | None = None,
    ) -> None:
        self.schedules = schedules
        self.connections = connections
        self.dispatch = dispatch
        self.tick_seconds = tick_seconds
        self.clock = clock
        self.holder = holder or holder_name()
        self.last_tick: float | None = None

    def tick(self) -> TickResult:
        """One pass: add default schedules, claim and dispatch every due run."""
        result = TickResult([], [])
        known = set(self.connections())
        self.schedules.ensure(known)
        now = self.clock()
        for schedule in self.schedules.all():
            if schedule.paused or schedule.connection_id not in known:
                continue
            kind: Mode | None = None
            if schedule.next_reconcile_at <= now:
                kind = Mode.RECONCILE
            elif schedule.next_incremental_at <= now:
                kind = Mode.INCREMENTAL
            if kind is None or not self.schedules.claim(schedule, kind):
                continue
            if self.dispatch(schedule.connection_id, kind):
                result.started.append((schedule.connection_id, kind))
            else:
                log.info(
                    "scheduled %s sync of %s skipped: the previous run is still going",
                    kind,
                    schedule.connection_id,
                )
                result.skipped.append((schedule.connection_id, kind))
        self._beat()
        self.last_tick = self.clock()
        return result

    def _beat(self) -> None:
        SchedulerBeats(self.schedules.store).beat(self.holder, self.clock())

    def alive(self) -> bool:
        """This scheduler ticked within three tick intervals."""
        return self.last_tick is not None and self.clock() - self.last_tick < max(3 * self.tick_seconds, 30.0)


def any_scheduler_alive(
    store: Store, within_seconds: float = 60.0, *, clock: Callable[[], float] = time.time
) -> bool:
    """Some scheduler (this process or another) beat within ``within_seconds``."""
    latest = SchedulerBeats(store).latest()
    return latest is not None and clock() - latest < within_seconds
