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
from collections.abc import Callable
from typing import Any, Protocol

from ashby_connector.core.connections.clients import ConnectionClients
from ashby_connector.core.connections.key_budget import process_partner_state
from ashby_connector.core.connections.requested_operations import of_connection
from ashby_connector.core.errors import CoreError
from ashby_connector.core.freshness.service import Freshness, FreshnessSettings
from ashby_connector.core.settings import Settings
from ashby_connector.core.syncs.embedded_runner import EmbeddedRunner, SyncAlreadyRunningError, SyncJob
from ashby_connector.core.syncs.events import ChangeEvents
from ashby_connector.core.syncs.history import SyncHistory, Trigger
from ashby_connector.core.syncs.webhook_runs import WebhookRuns
from ashby_connector.store import Store
from ashby_connector.store.tenancy import Tenancy
from ashby_connector.sync.streams import select_streams


class RunQueue(Protocol):
    """Where scheduled runs go on PostgreSQL: the workers' queue (``worker.distributed``)."""

    def schedule(self, connection_id: str, kind: Any) -> bool: ...

    def enqueue(
        self, connection_id: str, *, streams: list[str] | None = None, trigger: Any = "manual"
    ) -> int | None: ...

    def install_schema(self) -> None: ...

    def release_stalled(self) -> int: ...

    def close(self) -> None: ...


STOP_WAIT_SECONDS = 60.0


class SyncRuns:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        tenancy: Tenancy,
        clients: ConnectionClients,
        events: ChangeEvents,
    ) -> None:
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

        s = self.settings
        scheduling = s.scheduler != "off"
        return Freshness(
            self.store,
            FreshnessSettings(
                s.schedule_incremental_minutes,
                s.schedule_reconcile_hours,
                s.scheduler_tick_seconds,
                s.deleted_retention_days,
                s.schedule_fast_every_seconds,
            ),
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
        full: bool = False,
        reconcile: bool = False,
        streams: list[str] | None = None,
        trigger: Trigger = "manual",
    ) -> dict[str, Any]:
        """Start (force) a sync in the background: 422 for unknown streams, 409 when one of this
        connection is running (here or on a worker). ``trigger`` says who asked (``manual``: the
        REST API or the command line; ``console``: an operator in the console)."""
        if streams is not None:
            try:
                selected = select_streams(streams)
            except ValueError as exc:
                raise CoreError(422, "unknown_stream", str(exc)[:2000], "streams") from None
            # A list outside the connection's requested operations: refused, not silently skipped.
            allowed = of_connection(self.tenancy, connection_id)
            for stream in selected:
                allowed.require_ashby(stream.operation)
        if connection_id in self.runner.running() or self.freshness.lease.busy(connection_id):
            raise _running()
        try:
            job = self.runner.submit(
                connection_id, full=full, reconcile=reconcile, streams=streams, trigger=trigger
            )
        except SyncAlreadyRunningError:  # another request won the race since the check above
            raise _running() from None
        run = self.history.get(job.id)
        assert run is not None
        return run.to_api()

    def get(self, tenant_id: str, sync_id: str) -> dict[str, Any]:
        ids = [c.id for c in self.tenancy.list_connections(tenant_id)]
        run = self.history.get(sync_id, ids) if ids and len(sync_id) <= 64 else None
        if run is None:
            raise CoreError(404, "sync_not_found", "no such sync", "sync_id")
        return run.to_api()

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

    def _dispatch(self, connection_id: str, kind: str) -> bool:
        """Start a scheduled run: False (skipped) while the previous run of it is still going."""
        queue = self._workers_queue()
        if queue is not None:
            return queue.schedule(connection_id, kind)
        if self.freshness.lease.busy(connection_id):
            return False
        try:
            self.runner.submit(connection_id, reconcile=kind == "reconcile", trigger="schedule")
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
            return queue.enqueue(connection_id, streams=streams, trigger="webhook") is not None
        try:
            self.runner.submit(connection_id, streams=streams, trigger="webhook")
        except SyncAlreadyRunningError:
            return False
        return True

    def close(self) -> None:
        self.webhook_runs.stop()
        self.freshness.stop()
        if self._queue is not None:
            self._queue.close()


def _running() -> CoreError:
    return CoreError(409, "sync_running", "a sync of this connection is already running", "X-Connection-Id")
