"""Running one sync of a connection, the same way wherever it runs (server, worker, CLI).

Takes the connection's lease (or records the run as skipped), marks the run started, runs the
staged sync with a background-priority client and the connection's child policies (read at the
start of each run, so a change applies from the next run), records the counts and the whole error,
writes one log line, counts it in the metrics and tells ``on_finished`` (the ``sync.finished`` /
``sync.failed`` events).

``poll`` is the fast lane's run (``core.freshness.fast_lane``): a few incremental lists, no permission check,
never waiting for the lease. A poll that changed nothing is counted in the metrics only; one that
changed something or failed is recorded and told like any other run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ashby_connector.core.connections.child_policies import ChildPolicies
from ashby_connector.core.connections.requested_operations import RequestedOperations, of_connection
from ashby_connector.core.syncs.history import (
    POLL_HOLDER_SUFFIX,
    SyncHistory,
    SyncLease,
    SyncRun,
    new_run_id,
)
from ashby_connector.core.syncs.modes import Mode, Trigger
from ashby_connector.store import ChangeCallback, Store
from ashby_connector.store.tenancy import Tenancy
from ashby_connector.sync import SyncEngine, SyncReport
from ashby_connector.sync.engine import DEFAULT_CONCURRENCY
from ashby_connector.sync.plan import Plan
from ashby_connector.sync.stream_runner import OnProgress

log = logging.getLogger("ashby_connector.sync")

ClientFactory = Callable[[str], Any]  # connection id -> a client (closed here when it can be)
OnFinished = Callable[[SyncRun], None]
PoliciesFor = Callable[[str], Mapping[str, str] | None]  # connection id -> child policy overrides
RequestedFor = Callable[[str], RequestedOperations]  # connection id -> what it may touch
SKIPPED_RUNNING = "skipped: the previous run of this connection is still going"
INTERRUPTED_HERE = "interrupted: the command was stopped; the next run resumes"


@dataclass(frozen=True)
class RunOutcome:
    """A finished run as the history has it, the engine's report (None when the run was skipped or
    stopped before it had one) and, for a run that failed before its report, why in plain words."""

    run: SyncRun
    report: SyncReport | None
    reason: str | None = None

    def report_or_raise(self) -> SyncReport:
        """The report; ``RunFailedError`` (naming why) for a run that ended without one."""
        if self.report is None:
            raise RunFailedError(self.reason or self.run.error or f"the sync was {self.run.status}")
        return self.report


class RunFailedError(Exception):
    """A run ended before it had a report: the key's permissions, Ashby unreachable, ..."""


def _background(client: Any) -> Any:
    """Sync pages wait behind interactive calls (proxy, live reads, writes) for the key's budget.

    A copy of the client (same key, pool and budget; its own request counter) is what gets the
    background priority: the connection's client is shared with the server's interactive calls.
    """
    if hasattr(client, "with_options"):
        client = client.with_options()
    if hasattr(client, "rate_priority"):
        client.rate_priority = "background"
    return client


class _Either(threading.Event):
    """Set when it is set or any of ``events`` is: a run stops for the first reason to."""

    def __init__(self, *events: threading.Event) -> None:
        super().__init__()
        self.events = events

    def is_set(self) -> bool:
        return super().is_set() or any(e.is_set() for e in self.events)


class SyncService:
    def __init__(
        self,
        store: Store,
        client_factory: ClientFactory,
        *,
        holder: str,
        on_change_for: Callable[[str], ChangeCallback | None] | None = None,
        on_finished: OnFinished | None = None,
        history: SyncHistory | None = None,
        lease: SyncLease | None = None,
        concurrency: int | None = None,
        policies_for: PoliciesFor | None = None,
        requested_for: RequestedFor | None = None,
        key_source: Callable[[str], Any] | None = None,
    ) -> None:
        """``policies_for``: the connection's child policies; by default those stored for it on
        the server (``PUT /connections/{id}/child-policies``), defaults for a connection without.
        ``requested_for``: its requested operations (by default those stored): a run copies only
        the lists they allow. ``key_source(connection_id)``: the connection's client as it is now
        (cached, rechecked within a second): a running sync takes a rotated key from its next
        request on instead of keeping the old one to its end."""
        self.store = store
        self.client_factory = client_factory
        self.holder = holder
        self.on_change_for = on_change_for
        self.on_finished = on_finished
        self.history = history or SyncHistory(store)
        self.lease = lease or SyncLease(store)
        self.concurrency = concurrency
        self.policies_for = policies_for or ChildPolicies.for_store(store).overrides
        if requested_for is None:
            tenancy = Tenancy(store)
            requested_for = lambda connection_id: of_connection(tenancy, connection_id)  # noqa: E731
        self.requested_for = requested_for
        self.key_source = key_source

    def queue(
        self,
        connection_id: str,
        *,
        trigger: Trigger,
        mode: Mode = Mode.INCREMENTAL,
        streams: list[str] | None = None,
    ) -> str:
        """A history row in state ``queued``; pass its id to ``run``."""
        return self.history.create(connection_id, trigger=trigger, mode=mode, streams=streams)

    def run(
        self,
        connection_id: str,
        *,
        trigger: Trigger = Trigger.MANUAL,
        mode: Mode = Mode.INCREMENTAL,
        streams: list[str] | None = None,
        run_id: str | None = None,
    ) -> SyncRun:
        """Run one sync of the connection in this thread: the lease, the history, the events,
        the metrics and the log line. Skipped (and recorded so) while another run holds the lease."""
        return self.run_reported(
            connection_id, trigger=trigger, mode=mode, streams=streams, run_id=run_id
        ).run

    def run_reported(
        self,
        connection_id: str,
        *,
        trigger: Trigger = Trigger.MANUAL,
        mode: Mode = Mode.INCREMENTAL,
        streams: list[str] | None = None,
        run_id: str | None = None,
        stop: threading.Event | None = None,
        on_progress: OnProgress | None = None,
    ) -> RunOutcome:
        """``run``, with the engine's report for whoever draws it (the command line), ``stop``
        (ask the run to end after the pages being stored) and ``on_progress``."""
        mode, trigger = Mode(mode), Trigger(trigger)  # plain strings from callers that have them
        run_id = run_id or self.queue(connection_id, trigger=trigger, mode=mode, streams=streams)
        report: SyncReport | None = None
        reason: str | None = None
        with self.lease.hold(connection_id, self.holder, run_id) as held:
            if not held:
                self.history.skipped(run_id, SKIPPED_RUNNING)
            else:
                self.history.started(run_id, self.holder)
                try:
                    report, error, reason = self._sync(
                        connection_id,
                        mode=mode,
                        streams=streams,
                        stop=held.lost if stop is None else _Either(stop, held.lost),
                        on_progress=on_progress,
                    )
                except BaseException:  # Ctrl-C pressed twice: the run ends recorded, never "running"
                    self.history.finished(run_id, None, INTERRUPTED_HERE)
                    raise
                self.history.finished(run_id, report.to_dict() if report is not None else None, error)
        run = self.history.get(run_id)
        assert run is not None
        self._tell(run)
        return RunOutcome(run, report, reason)

    def plan(
        self, connection_id: str, *, mode: Mode = Mode.INCREMENTAL, streams: list[str] | None = None
    ) -> Plan:
        """What a run would fetch and cost (``sync --plan``); runs nothing, records nothing."""
        shared = self.client_factory(connection_id)
        try:
            return self._engine(_background(shared), connection_id, mode, streams).plan()
        finally:
            close = getattr(shared, "close", None)
            if callable(close):
                close()

    def poll(self, connection_id: str, streams: list[str]) -> SyncRun | None:
        """One fast-lane poll of ``streams``; the recorded run, or None when there was nothing to
        record (another run holds the lease, or nothing changed)."""
        from ashby_connector.core.runtime import metrics

        holder = self.holder + POLL_HOLDER_SUFFIX
        started = datetime.now(UTC)
        with self.lease.hold(connection_id, holder, new_run_id()) as held:
            if not held:
                return None
            outcome, error, _ = self._sync(
                connection_id, mode=Mode.INCREMENTAL, streams=streams, check_permissions=False, stop=held.lost
            )
        report = outcome.to_dict() if outcome is not None else None
        if error is None and report is not None and report.get("ok") and not report.get("changed"):
            duration = (datetime.now(UTC) - started).total_seconds()
            metrics.sync_run_finished("succeeded", Trigger.SCHEDULE, duration)
            return None
        run_id = self.history.record(
            connection_id,
            trigger=Trigger.SCHEDULE,
            streams=streams,
            started_at=started,
            holder=holder,
            report=report,
            error=error,
        )
        run = self.history.get(run_id)
        assert run is not None
        self._tell(run)
        return run

    def _engine(
        self,
        client: Any,
        connection_id: str,
        mode: Mode,
        streams: list[str] | None,
        *,
        check_permissions: bool = True,
        on_change: ChangeCallback | None = None,
        stop: threading.Event | None = None,
        on_progress: OnProgress | None = None,
    ) -> SyncEngine:
        requested = self.requested_for(connection_id)
        return SyncEngine(
            client,
            self.store,
            connection_id,
            streams=streams,
            mode=mode,
            on_change=on_change,
            on_progress=on_progress,
            concurrency=self.concurrency or DEFAULT_CONCURRENCY,
            check_permissions=check_permissions,
            children=self.policies_for(connection_id),
            stop=stop,
            permits=requested.permits if requested.enforced else None,
        )

    def _sync(
        self,
        connection_id: str,
        *,
        mode: Mode,
        streams: list[str] | None,
        check_permissions: bool = True,
        stop: threading.Event | None = None,
        on_progress: OnProgress | None = None,
    ) -> tuple[SyncReport | None, str | None, str | None]:
        """The staged sync itself: its report, or the whole error that stopped it (for the history)
        and its message (for a person). ``stop``: the lease was lost or the command was asked to
        stop; the run ends after the pages being stored (the next run resumes)."""
        try:
            on_change = self.on_change_for(connection_id) if self.on_change_for is not None else None
            shared = self.client_factory(connection_id)
            client = _background(shared)
            if self.key_source is not None and hasattr(client, "follow_key"):
                source = self.key_source
                client.follow_key(lambda: source(connection_id))
            try:
                engine = self._engine(
                    client,
                    connection_id,
                    mode,
                    streams,
                    check_permissions=check_permissions,
                    on_change=on_change,
                    stop=stop,
                    on_progress=on_progress,
                )
                return engine.run(), None, None
            finally:
                close = getattr(shared, "close", None)
                if callable(close):
                    close()
        except Exception as exc:  # recorded on the run; the caller's loop goes on
            return None, f"{type(exc).__name__}: {exc}"[:4000], str(exc)

    def _tell(self, run: SyncRun) -> None:
        from ashby_connector.core.runtime import metrics

        duration = (
            (run.finished_at - run.started_at).total_seconds() if run.finished_at and run.started_at else 0.0
        )
        metrics.sync_run_finished(run.status, run.trigger, duration)
        level = logging.INFO if run.status in ("succeeded", "skipped") else logging.WARNING
        log.log(
            level,
            "sync %s %s of %s: %s (%d requests, %d fetched, %d changed, %d errors, %.1fs)%s",
            run.mode,
            run.trigger,
            run.connection_id,
            run.status,
            run.requests,
            run.fetched,
            run.changed,
            run.errors,
            duration,
            f": {run.error}" if run.error else "",
            extra={
                "event": "sync_run",
                "connection_id": run.connection_id,
                "run_id": run.id,
                "trigger": run.trigger,
                "mode": run.mode,
                "status": run.status,
                "requests": run.requests,
                "fetched": run.fetched,
                "changed": run.changed,
                "errors": run.errors,
                "duration_s": round(duration, 3),
            },
        )
        if self.on_finished is not None and run.status in ("succeeded", "failed"):
            try:
                self.on_finished(run)
            except Exception:  # events must not turn a finished sync into a crash
                log.exception("sync %s: on_finished failed", run.id)
