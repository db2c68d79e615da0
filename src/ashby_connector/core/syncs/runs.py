"""Sync runs of connections: started here on this process's runner (or queued for the workers by
the scheduler), recorded in the sync history, their change events wired once.

A process killed mid-run leaves its runs ``running`` in the history; once their lease lapses,
``recover_interrupted`` (at start-up) or any process's scheduler tick marks them ``interrupted``.
Nothing else is needed to resume: each stream's checkpoint (cursor and token) is in ``sync_state``,
and the next run continues from it. Another process's live run keeps its connection's lease renewed
(its heartbeat), so it is left alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ashby_connector.core.connections.clients import ConnectionClients
from ashby_connector.core.connections.key_budget import process_partner_state
from ashby_connector.core.connections.requested_operations import of_connection
from ashby_connector.core.errors import CoreError
from ashby_connector.core.freshness.schedules import DEFAULT_FAST_STREAMS, MIN_INCREMENTAL_MINUTES
from ashby_connector.core.freshness.service import Freshness, FreshnessSettings
from ashby_connector.core.settings import Settings
from ashby_connector.core.syncs.embedded_runner import EmbeddedRunner, SyncAlreadyRunningError, SyncJob
from ashby_connector.core.syncs.events import ChangeEvents
from ashby_connector.core.syncs.history import (
    INTERRUPTED,
    POLL_PATIENCE_SECONDS,
    RunPage,
    SyncHistory,
    SyncRun,
)
from ashby_connector.core.syncs.modes import Mode, Trigger
from ashby_connector.core.syncs.service import RunOutcome
from ashby_connector.core.syncs.webhook_runs import WebhookRuns
from ashby_connector.store import Store
from ashby_connector.store.sync_runs import is_finished
from ashby_connector.store.tenancy import Tenancy
from ashby_connector.sync.plan import Plan
from ashby_connector.sync.stream_runner import OnProgress
from ashby_connector.sync.streams import select_streams


class RunQueue(Protocol):
    """Where scheduled runs go on PostgreSQL: the workers' queue (``worker.distributed``)."""

    def schedule(self, connection_id: str, mode: Mode) -> bool: ...

    def enqueue(
        self, connection_id: str, *, streams: list[str] | None = None, trigger: Trigger = Trigger.MANUAL
    ) -> int | None: ...

    def install_schema(self) -> None: ...

    def release_stalled(self) -> int: ...

    def close(self) -> None: ...


STOP_WAIT_SECONDS = 60.0
WAIT_POLL_SECONDS = 0.5


class SyncRunningError(CoreError):
    """A run of the connection holds its lease: a new one would run beside it."""

    def __init__(self, message: str, run: SyncRun | None = None) -> None:
        super().__init__(409, "sync_running", message, "X-Connection-Id")
        self.run = run


class SyncRuns:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        tenancy: Tenancy,
        clients: ConnectionClients,
        events: ChangeEvents,
        *,
        policies_for: Callable[[str], Mapping[str, str] | None] | None = None,
        concurrency: int | None = None,
    ) -> None:
        """``policies_for``: child policies for every run (a command's ``--children``); by default
        each connection's stored ones. ``concurrency``: streams fetched at once per run."""
        self.settings = settings
        self.store = store
        self.tenancy = tenancy
        self.clients = clients
        self.events = events
        self.runner = EmbeddedRunner(
            store,
            clients.require,
            on_change_for=events.for_connection,
            on_finished=events.sync_finished,
            policies_for=policies_for,
            concurrency=concurrency,
            key_source=clients.get,
        )
        self.freshness = self._freshness()
        self.history: SyncHistory = self.freshness.history
        # Set by the delivery layer that owns the workers' queue (the server); on PostgreSQL the
        # scheduler queues due runs there, once across every process.
        self.queue_factory: Callable[[], RunQueue] | None = None
        self._queue: RunQueue | None = None
        self._queue_lock = threading.Lock()
        # Webhooks whose payload cannot update the copy ask for a run of some lists (coalesced).
        self.webhook_runs = WebhookRuns(self._start_webhook_run)

    def _freshness(self) -> Freshness:
        """Schedules, history, status and retention. Its scheduler (``settings.scheduler`` "auto")
        runs due syncs on this process's runner on SQLite, and queues them for the procrastinate
        workers on PostgreSQL; the fast lane's polls run in this process on either."""
        from ashby_connector.store.shared_budget import partner_state
        from ashby_connector.webhooks.registration import connections_with_webhooks

        scheduling = self.settings.scheduler != "off"
        return Freshness.from_settings(
            self.store,
            self.settings,
            connections=self.tenancy.all_connection_ids,
            dispatch=self._dispatch if scheduling else None,
            poll=self.runner.service.poll if scheduling else None,
            webhooks_on=lambda: connections_with_webhooks(self.store.engine),
            partner_state=lambda: partner_state(self.store.engine) or process_partner_state(),
            sweep=self._release_stalled if scheduling else None,
        )

    def start(
        self,
        connection_id: str,
        *,
        mode: Mode = Mode.INCREMENTAL,
        streams: list[str] | None = None,
        trigger: Trigger = Trigger.MANUAL,
    ) -> dict[str, Any]:
        """Start (force) a sync in the background (``POST /syncs``, the console): 422 for unknown
        streams, 409 when one of this connection is running (here or on a worker). ``trigger``
        says who asked (``manual``: the REST API; ``console``: an operator in the console)."""
        self._check_streams(connection_id, streams)
        if not self._free_soon(connection_id):
            raise _running()
        try:
            job = self.runner.submit(connection_id, mode=mode, streams=streams, trigger=trigger)
        except SyncAlreadyRunningError:  # another request won the race since the check above
            raise _running() from None
        run = self.history.get(job.id)
        assert run is not None
        return run.to_api()

    def run(
        self,
        connection_id: str,
        *,
        mode: Mode = Mode.INCREMENTAL,
        streams: list[str] | None = None,
        trigger: Trigger = Trigger.CLI,
        wait: bool = False,
        stop: threading.Event | None = None,
        on_progress: OnProgress | None = None,
    ) -> RunOutcome:
        """Run one sync in this thread (``ashby-connector sync``, ``demo``), through the same
        service as every other run: the lease, the history with its trigger, the events, the
        metrics, the log line. While another run of the connection holds the lease:
        ``SyncRunningError`` naming it, or with ``wait`` this waits for it to end first."""
        self._check_streams(connection_id, streams)
        lease = self.freshness.lease
        dead = lease.free_if_holder_died(connection_id)
        if dead is not None:  # killed mid-run on this machine: nobody will renew its lease
            self.history.interrupted(dead, INTERRUPTED)
        while (going := self.running_run(connection_id)) is not None or lease.busy(connection_id):
            if not wait:
                raise _running_named(connection_id, going)
            time.sleep(WAIT_POLL_SECONDS)
        outcome = self.runner.service.run_reported(
            connection_id, trigger=trigger, mode=mode, streams=streams, stop=stop, on_progress=on_progress
        )
        if outcome.run.status == "skipped" and not wait:  # another run took the lease since the check
            raise _running_named(connection_id, self.running_run(connection_id))
        return outcome

    def _free_soon(self, connection_id: str) -> bool:
        """No run of the connection is going, here or elsewhere, once the one that just finished
        (its result already in the history) has let go of the lease: a caller who saw a run
        succeed and asks for the next is not told that the finished one is still going."""
        lease = self.freshness.lease
        deadline = time.monotonic() + POLL_PATIENCE_SECONDS
        while True:
            here = self.runner.running().get(connection_id)  # this process's job: its run's id
            held = lease.busy(connection_id)
            if here is None and not held:
                return True
            finishing = (not held or lease.letting_go(connection_id)) and (
                here is None or self._recorded_finished(here)
            )
            if not finishing or time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def _recorded_finished(self, run_id: str) -> bool:
        run = self.history.get(run_id)
        return run is not None and is_finished(run.status)

    def plan(
        self, connection_id: str, *, mode: Mode = Mode.INCREMENTAL, streams: list[str] | None = None
    ) -> Plan:
        """What a run would fetch and what it would cost (``sync --plan``); runs nothing."""
        self._check_streams(connection_id, streams)
        return self.runner.service.plan(connection_id, mode=mode, streams=streams)

    def running_run(self, connection_id: str) -> SyncRun | None:
        """The run holding the connection's lease now, in any process (not a fast-lane poll)."""
        run_id = self.freshness.lease.holding_run(connection_id)
        return self.history.get(run_id) if run_id else None

    def keep_fresh(
        self,
        connection_id: str,
        *,
        every_seconds: float,
        reconcile_every_seconds: float,
        streams: list[str] | None = None,
        tick_seconds: float = 1.0,
        fast_every_seconds: float = 0.0,
        fast_streams: tuple[str, ...] = DEFAULT_FAST_STREAMS,
        on_run: Callable[[SyncRun], None] | None = None,
    ) -> Freshness:
        """One connection kept fresh by this process (``sync --every``): its schedule stored and
        counted from now; the caller ticks the returned ``Freshness`` (and starts its fast lane).
        Due runs go through ``run`` with trigger ``schedule``, in the ticking thread; ``on_run``
        hears of each recorded run (fast-lane polls that changed nothing are not recorded)."""

        def dispatch(cid: str, mode: Mode) -> bool:
            run = self.runner.service.run(cid, trigger=Trigger.SCHEDULE, mode=mode, streams=streams)
            if on_run is not None:
                on_run(run)
            return run.status != "skipped"

        def poll(cid: str, lists: list[str]) -> None:
            run = self.runner.service.poll(cid, lists)
            if run is not None and on_run is not None:
                on_run(run)

        fresh = Freshness(
            self.store,
            FreshnessSettings(every_seconds / 60, reconcile_every_seconds / 3600, tick_seconds),
            connections=lambda: [connection_id],
            dispatch=dispatch,
            poll=poll if fast_every_seconds else None,
        )
        fresh.schedules.put(
            connection_id,
            incremental_every_minutes=every_seconds / 60,
            reconcile_every_hours=reconcile_every_seconds / 3600,
            paused=False,
            fast_every_seconds=fast_every_seconds,
            fast_streams=fast_streams,
            # The operator's own process and key: the floor is the interval asked for, not a tenant's.
            min_incremental_minutes=min(every_seconds / 60, MIN_INCREMENTAL_MINUTES),
        )
        fresh.schedules.count_from_now(connection_id)
        return fresh

    def _check_streams(self, connection_id: str, streams: list[str] | None) -> None:
        """422 for unknown streams and for lists outside the connection's requested operations
        (refused, never silently skipped)."""
        if streams is None:
            return
        try:
            selected = select_streams(streams)
        except ValueError as exc:
            raise CoreError(422, "unknown_stream", str(exc)[:2000], "streams") from None
        allowed = of_connection(self.tenancy, connection_id)
        for stream in selected:
            allowed.require_ashby(stream.operation)

    def get(self, tenant_id: str, sync_id: str) -> dict[str, Any]:
        ids = [c.id for c in self.tenancy.list_connections(tenant_id)]
        run = self.history.get(sync_id, ids) if ids and len(sync_id) <= 64 else None
        if run is None:
            raise CoreError(404, "sync_not_found", "no such sync", "sync_id")
        return run.to_api()

    def page(
        self,
        connection_ids: list[str],
        *,
        limit: int = 50,
        cursor: str | None = None,
        status: str | None = None,
        trigger: Trigger | None = None,
    ) -> RunPage:
        """The runs of these connections, newest first (``GET /syncs``); a cursor this server did
        not give out answers 400 naming ``cursor``."""
        try:
            return self.history.page(
                connection_ids, limit=limit, cursor=cursor, status=status, trigger=trigger
            )
        except ValueError:
            raise CoreError(
                400, "invalid_cursor", "the cursor is not one this server gave out", "cursor"
            ) from None

    def wait(self, run_id: str, timeout: float | None = None) -> SyncJob:
        return self.runner.wait(run_id, timeout)

    def wait_stopped(self, connection_id: str, timeout: float = STOP_WAIT_SECONDS) -> None:
        """Wait until this process runs no sync of the connection (deleting it stops the run)."""
        job_id = self.runner.running().get(connection_id)
        if job_id is not None:
            self.runner.wait(job_id, timeout)

    def recover_interrupted(self) -> int:
        """Mark runs whose process is gone as ``interrupted``: ``running`` runs whose lease lapsed
        (on either database; a live lease, whoever holds it, is left alone) and, on SQLite,
        ``queued`` runs that never started. The scheduler's tick does the same in every process,
        so a killed process's runs are recovered within one lease period, not only at start-up."""
        return self.freshness.lease.interrupt_orphans(
            queued_too=self.store.dialect == "sqlite", keep=self.runner.running().values()
        )

    def _workers_queue(self) -> RunQueue | None:
        """On PostgreSQL with workers (the server sets ``queue_factory``): their queue."""
        if self.store.dialect != "postgresql" or self.queue_factory is None:
            return None
        with self._queue_lock:
            if self._queue is None:
                self._queue = self.queue_factory()
                self._queue.install_schema()
            return self._queue

    def _release_stalled(self) -> int:
        """On PostgreSQL with workers: fail the jobs killed workers left ``doing``."""
        queue = self._workers_queue()
        return queue.release_stalled() if queue is not None else 0

    def _dispatch(self, connection_id: str, mode: Mode) -> bool:
        """Start a scheduled run: False (skipped) while the previous run of it is still going."""
        queue = self._workers_queue()
        if queue is not None:
            return queue.schedule(connection_id, mode)
        if self.freshness.lease.busy(connection_id):
            return False
        try:
            self.runner.submit(connection_id, mode=mode, trigger=Trigger.SCHEDULE)
        except SyncAlreadyRunningError:
            return False
        return True

    def _start_webhook_run(self, connection_id: str, streams: list[str]) -> bool:
        """Start (or queue) an incremental run of ``streams`` with trigger ``webhook``; False while
        another run of the connection is going or waiting (the request is retried)."""
        if self.clients.get(connection_id) is None:
            return True  # deleted since the webhook came: nothing to keep fresh
        if connection_id in self.runner.running() or self.freshness.lease.busy(connection_id):
            return False
        queue = self._workers_queue()
        if queue is not None:
            return queue.enqueue(connection_id, streams=streams, trigger=Trigger.WEBHOOK) is not None
        try:
            self.runner.submit(connection_id, streams=streams, trigger=Trigger.WEBHOOK)
        except SyncAlreadyRunningError:
            return False
        return True

    def close(self) -> None:
        self.webhook_runs.stop()
        self.freshness.stop()
        if self._queue is not None:
            self._queue.close()


def _running() -> CoreError:
    return SyncRunningError("a sync of this connection is already running")


def _running_named(connection_id: str, run: SyncRun | None) -> SyncRunningError:
    if run is None:
        return SyncRunningError(f"a sync of {connection_id} is already running", None)
    since = f", started {run.started_at:%Y-%m-%d %H:%M:%S} UTC" if run.started_at else ""
    return SyncRunningError(
        f"a sync of {connection_id} is already running: {run.id} ({run.trigger}, {run.mode}{since}); "
        "not starting another (--wait waits for it to finish)",
        run,
    )
