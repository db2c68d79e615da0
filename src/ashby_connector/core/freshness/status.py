"""The status of a connection's copy, per stream: what ``GET /connections/{id}/sync-status`` and
``ashby-connector status`` show.

Per stream: the mode its next run takes (``on read`` for a ``lazy`` child list, ``off`` for one
never fetched), when it last finished (``lastSuccessAt``), the last error whole, how many records
are stored, the lag (seconds since the data was last known current: since its last successful run
finished), the connection's next scheduled run, and for child lists the policy deciding which
parents' children are fetched.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ashby_connector.core.connections.child_policies import ChildPolicies
from ashby_connector.core.freshness.schedules import Schedule, Schedules
from ashby_connector.core.syncs.history import SyncHistory, SyncLease
from ashby_connector.store import Store, StreamState
from ashby_connector.sync.policies import default_policy
from ashby_connector.sync.streams import Stream, all_streams
from ashby_connector.times import iso, iso_epoch

# Child lists outside the policies are stored from their parent's pages (interview events).
DERIVED = "from parent pages"
# The mode shown for child lists no run fetches: ``lazy`` ones are fetched when read.
UNSYNCED_MODES = {"lazy": "on read", "off": "off"}


def child_policy(stream: Stream, policies: Mapping[str, str]) -> str | None:
    """Which parents' children the connection's runs fetch (eager, changed, lazy, off)."""
    if stream.parent is None:
        return None
    return DERIVED if stream.derived else policies.get(stream.name, default_policy(stream.name))


@dataclass(frozen=True)
class StreamStatus:
    stream: str
    mode: str
    running: bool
    last_success_at: datetime | None
    last_error: str | None
    records: int
    lag_seconds: float | None
    next_run_at: float | None
    child_policy: str | None

    def to_api(self) -> dict[str, Any]:
        return {
            "stream": self.stream,
            "mode": self.mode,
            "running": self.running,
            "lastSuccessAt": iso(self.last_success_at),
            "lastError": self.last_error,
            "records": self.records,
            "lagSeconds": None if self.lag_seconds is None else round(self.lag_seconds, 1),
            "nextRunAt": iso_epoch(self.next_run_at),
            "childPolicy": self.child_policy,
        }


class SyncStatusReader:
    def __init__(
        self,
        store: Store,
        schedules: Schedules,
        *,
        history: SyncHistory | None = None,
        lease: SyncLease | None = None,
        partner_state: Callable[[], dict[str, Any] | None] | None = None,
        clock: Callable[[], float] = time.time,
        policies_for: Callable[[str], Mapping[str, str] | None] | None = None,
        polled: Callable[[Schedule], bool] | None = None,
    ) -> None:
        """``polled(schedule)``: whether the connection's fast lane polls now; its lists' next run
        is then the next poll."""
        self.store = store
        self.schedules = schedules
        self.polled = polled
        # The connection's child policies (by default those stored for it on the server).
        self.policies_for = policies_for or ChildPolicies.for_store(store).overrides
        self.history = history or SyncHistory(store)
        self.lease = lease or SyncLease(store)
        self.partner_state = partner_state
        self.clock = clock

    def streams(self, connection_id: str, schedule: Schedule | None = None) -> list[StreamStatus]:
        """``schedule``: the one the caller read, so one answer shows one reading of it."""
        schedule = schedule or self.schedules.get(connection_id)
        next_run = schedule.next_run_at()
        states = {s.stream: s for s in self.store.stream_states(connection_id)}
        syncing = self.lease.busy(connection_id)
        unavailable = self._unavailable(connection_id)
        policies = self.policies_for(connection_id) or {}
        out = []
        for stream in all_streams():
            own = _states_of(states, stream.name)
            if not own:
                copied_parent = stream.parent is not None and bool(_states_of(states, stream.parent))
                idle = self._untouched_child_list(connection_id, stream, policies) if copied_parent else None
                if idle is not None:
                    out.append(idle)
                continue
            upcoming = next_run
            if next_run is not None and stream.name in schedule.fast_streams and self.polled is not None:
                upcoming = min(next_run, schedule.next_fast_at) if self.polled(schedule) else next_run
            status = self._stream(connection_id, stream, own, upcoming, syncing, policies)
            if stream.name in unavailable:
                status = replace(status, mode="unavailable", running=False)
            out.append(status)
        return out

    def _untouched_child_list(
        self, connection_id: str, stream: Stream, policies: Mapping[str, str]
    ) -> StreamStatus | None:
        """A child list no run fetches (``lazy`` or ``off``) of a parent that is copied still has a
        row, so its policy and what reads stored are visible; lists runs do fetch appear once a run
        reaches them."""
        policy = child_policy(stream, policies)
        if policy not in UNSYNCED_MODES:
            return None
        records = self.store.count(connection_id, stream.kind)
        return StreamStatus(
            stream.name, UNSYNCED_MODES[policy], False, None, None, records, None, None, policy
        )

    def _unavailable(self, connection_id: str) -> set[str]:
        """Streams the last finished run found the account does not have (nothing to copy)."""
        finished = [self.history.latest(connection_id, status=s) for s in ("succeeded", "failed")]
        runs = sorted((r for r in finished if r is not None and r.report), key=lambda r: r.created_at)
        if not runs:
            return set()
        streams = (runs[-1].report or {}).get("streams", [])
        return {s["stream"] for s in streams if s.get("status") == "unavailable"}

    def _stream(
        self,
        connection_id: str,
        stream: Stream,
        states: list[StreamState],
        next_run: float | None,
        syncing: bool,
        policies: Mapping[str, str],
    ) -> StreamStatus:
        # A partitioned stream is as current as its stalest partition.
        successes = [s.last_success_at for s in states]
        last_success = None if None in successes else min(s for s in successes if s is not None)
        errors = [s.last_error for s in states if s.last_error]
        unfinished = any(s.unfinished for s in states)
        running = unfinished and syncing  # unfinished and nobody syncing: the next run resumes it
        if stream.parent is not None:
            incremental = all(s.parent_watermark for s in states)
        else:
            incremental = stream.strategy == "incremental" and all(s.sync_token for s in states)
        mode = f"resumable {states[0].run_mode}" if unfinished else "incremental" if incremental else "full"
        lag = None if last_success is None else max(0.0, self.clock() - last_success.timestamp())
        return StreamStatus(
            stream.name,
            mode,
            running,
            last_success,
            errors[0] if errors else None,
            self.store.count(connection_id, stream.kind),
            lag,
            next_run,
            child_policy(stream, policies),
        )

    def connection(self, connection_id: str) -> dict[str, Any]:
        """Everything the API and the CLI show about one connection."""
        # One reading of the schedule for the whole answer: read twice, a run dispatched in
        # between made the streams' next run disagree with the schedule's.
        schedule = self.schedules.get(connection_id)
        streams = self.streams(connection_id, schedule)
        last = self.history.latest(connection_id)
        lags = [s.lag_seconds for s in streams if s.lag_seconds is not None]
        partner = self.partner_state() if self.partner_state is not None else None
        return {
            "connectionId": connection_id,
            "running": self.lease.busy(connection_id),
            "schedule": schedule.to_api(),
            "lastRun": last.to_api(with_report=False) if last else None,
            "lagSeconds": round(max(lags), 1) if lags else None,
            "partnerThrottle": partner,
            "streams": [s.to_api() for s in streams],
        }


def _states_of(states: Mapping[str, StreamState], stream: str) -> list[StreamState]:
    """A stream's states: its own, or one per partition (``surveySubmission:Questionnaire``)."""
    return [st for key, st in states.items() if key == stream or key.startswith(stream + ":")]
