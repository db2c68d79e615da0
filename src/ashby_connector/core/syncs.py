"""Sync runs of connections on this process's runner, with their change events wired once.

Every run is mirrored into ``server_sync_run`` (what ``GET /syncs/{id}`` reads), with a heartbeat
while it runs. A process killed mid-run leaves its runs ``running``; ``recover_interrupted`` (called
when the server or a worker starts) marks them ``interrupted``. Nothing else is needed to resume:
each stream's checkpoint (cursor and token) is in ``sync_state``, and the next run continues from it.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from ashby_connector.core.clients import ConnectionClients
from ashby_connector.core.errors import CoreError
from ashby_connector.core.events import ChangeEvents
from ashby_connector.core.runner import EmbeddedRunner, SyncAlreadyRunningError, SyncJob
from ashby_connector.store import Store
from ashby_connector.store.tenancy import Tenancy
from ashby_connector.sync import ProgressEvent
from ashby_connector.sync.runner import OnProgress

HEARTBEAT_SECONDS = 5.0
# A run whose heartbeat is older than this is no longer running anywhere (PostgreSQL, where other
# server processes may be running syncs of their own right now).
STALE_AFTER = timedelta(seconds=30)
STOP_WAIT_SECONDS = 60.0


class SyncRuns:
    def __init__(
        self, store: Store, tenancy: Tenancy, clients: ConnectionClients, events: ChangeEvents
    ) -> None:
        self.store = store
        self.tenancy = tenancy
        self.runner = EmbeddedRunner(
            store,
            clients.require,
            on_change_for=events.for_connection,
            on_status=self._record,
            on_progress_for=self._heartbeat_for,
        )
        self._beats: dict[str, float] = {}
        self._lock = threading.Lock()

    def start(
        self, connection_id: str, *, full: bool = False, streams: list[str] | None = None
    ) -> dict[str, Any]:
        """Start a sync in the background (409 when one of this connection is running)."""
        if connection_id in self.runner.running():
            raise _running()
        run_id = self.tenancy.create_sync_run(connection_id, full)
        try:
            self.runner.submit(connection_id, full=full, streams=streams, job_id=run_id)
        except SyncAlreadyRunningError:  # another request won the race since the check above
            self.tenancy.delete_sync_run(run_id)
            raise _running() from None
        run = self.tenancy.get_sync_run([connection_id], run_id)
        assert run is not None
        return run

    def get(self, tenant_id: str, sync_id: str) -> dict[str, Any]:
        ids = [c.id for c in self.tenancy.list_connections(tenant_id)]
        run = self.tenancy.get_sync_run(ids, sync_id) if ids and len(sync_id) <= 64 else None
        if run is None:
            raise CoreError(404, "sync_not_found", "no such sync", "sync_id")
        return run

    def wait(self, run_id: str, timeout: float | None = None) -> SyncJob:
        return self.runner.wait(run_id, timeout)

    def wait_stopped(self, connection_id: str, timeout: float = STOP_WAIT_SECONDS) -> None:
        """Wait until this process runs no sync of the connection (deleting it stops the run)."""
        job_id = self.runner.running().get(connection_id)
        if job_id is not None:
            self.runner.wait(job_id, timeout)

    def recover_interrupted(self) -> int:
        """Mark runs a killed process left ``running`` (or ``queued``) as ``interrupted``.

        On SQLite only one process runs syncs, so every such run is dead at startup; on
        PostgreSQL only runs whose heartbeat stopped are.
        """
        stale_before = None
        if self.store.dialect != "sqlite":
            stale_before = datetime.now(UTC) - STALE_AFTER
        mine = set(self.runner.running().values())
        return self.tenancy.interrupt_sync_runs(stale_before=stale_before, keep=mine)

    def _record(self, job: SyncJob) -> None:
        """Mirror a runner job into ``server_sync_run``."""
        if job.finished_at is None:
            self.tenancy.update_sync_run(job.id, status=job.status, heartbeat_at=datetime.now(UTC))
        else:
            self.tenancy.update_sync_run(
                job.id, status=job.status, report=job.report, error=job.error, finished_at=job.finished_at
            )
            with self._lock:
                self._beats.pop(job.id, None)

    def _heartbeat_for(self, job: SyncJob) -> OnProgress:
        def beat(_event: ProgressEvent) -> None:
            now = time.monotonic()
            with self._lock:
                due = now - self._beats.get(job.id, 0.0) >= HEARTBEAT_SECONDS
                if due:
                    self._beats[job.id] = now
            if due:
                self.tenancy.update_sync_run(job.id, heartbeat_at=datetime.now(UTC))

        return beat


def _running() -> CoreError:
    return CoreError(409, "sync_running", "a sync of this connection is already running", "X-Connection-Id")
