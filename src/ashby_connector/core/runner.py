"""The in-process sync runner: syncs in background threads of this process, one at a time per
connection (the server's embedded runner; the distributed one is ``worker.distributed``)."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from ashby_connector.store import ChangeCallback, ChangeCallbackFor, Store
from ashby_connector.sync import SyncEngine, SyncReport
from ashby_connector.sync.runner import OnProgress

log = logging.getLogger(__name__)

JobStatus = Literal["queued", "running", "succeeded", "failed"]
ClientFactory = Callable[[str], Any]  # connection id -> a client (closed by the runner if it can)


class SyncAlreadyRunningError(Exception):
    """A sync of this connection is already running: two would race on its sync state."""


@dataclass
class SyncJob:
    id: str
    connection_id: str
    full: bool = False
    streams: list[str] | None = None
    status: JobStatus = "queued"
    report: dict[str, Any] | None = None
    error: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    done: threading.Event = field(default_factory=threading.Event, repr=False)


class EmbeddedRunner:
    """Runs ``SyncEngine`` for connections in daemon threads of this process.

    ``on_change`` is one callback for every connection; a runner shared by connections whose
    changes must be told apart (the server's outbound events) passes ``on_change_for`` instead,
    called once per job with its connection id. ``on_status(job)`` is called when a job starts
    running and when it has finished (its report or error set), e.g. to persist it.
    """

    def __init__(
        self,
        store: Store,
        client_factory: ClientFactory,
        *,
        on_change: ChangeCallback | None = None,
        on_change_for: ChangeCallbackFor | None = None,
        on_status: Callable[[SyncJob], None] | None = None,
        on_progress_for: Callable[[SyncJob], OnProgress] | None = None,
    ) -> None:
        if on_change is not None and on_change_for is not None:
            raise ValueError("pass on_change or on_change_for, not both")
        self.store = store
        self.client_factory = client_factory
        self.on_change = on_change
        self.on_change_for = on_change_for
        self.on_status = on_status
        self.on_progress_for = on_progress_for
        self._jobs: dict[str, SyncJob] = {}
        self._running: dict[str, str] = {}  # connection id -> job id
        self._lock = threading.Lock()

    def submit(
        self,
        connection_id: str,
        *,
        full: bool = False,
        streams: list[str] | None = None,
        reconcile: bool = False,
        job_id: str | None = None,
    ) -> SyncJob:
        """Start a sync; ``job_id`` names the job (default: a random hex id)."""
        with self._lock:
            if connection_id in self._running:
                raise SyncAlreadyRunningError(f"a sync of connection {connection_id} is already running")
            job = SyncJob(job_id or uuid.uuid4().hex, connection_id, full, streams)
            self._jobs[job.id] = job
            self._running[connection_id] = job.id
        thread = threading.Thread(
            target=self._run, args=(job, reconcile), name=f"sync-{job.id[:8]}", daemon=True
        )
        thread.start()
        return job

    def get(self, job_id: str) -> SyncJob | None:
        return self._jobs.get(job_id)

    def wait(self, job_id: str, timeout: float | None = None) -> SyncJob:
        job = self._jobs[job_id]
        job.done.wait(timeout)
        return job

    def running(self) -> dict[str, str]:
        with self._lock:
            return dict(self._running)

    def _changes_for(self, connection_id: str) -> ChangeCallback | None:
        if self.on_change_for is not None:
            return self.on_change_for(connection_id)
        return self.on_change

    def _notify(self, job: SyncJob) -> None:
        if self.on_status is not None:
            try:
                self.on_status(job)
            except Exception:  # a status hook must not kill the job or leave it marked running
                log.exception("sync job %s: status hook failed", job.id)

    def _run(self, job: SyncJob, reconcile: bool) -> None:
        job.status = "running"
        self._notify(job)
        try:
            on_change = self._changes_for(job.connection_id)
            client = self.client_factory(job.connection_id)
            try:
                report: SyncReport = SyncEngine(
                    client,
                    self.store,
                    job.connection_id,
                    streams=job.streams,
                    full=job.full,
                    reconcile=reconcile,
                    on_change=on_change,
                    on_progress=self.on_progress_for(job) if self.on_progress_for is not None else None,
                ).run()
            finally:
                close = getattr(client, "close", None)
                if callable(close):
                    close()
            job.report = report.to_dict()
            job.status = "succeeded" if report.ok else "failed"
        except Exception as exc:  # a background thread: the job records why it stopped
            job.error = f"{type(exc).__name__}: {exc}"[:2000]
            job.status = "failed"
        finally:
            job.finished_at = datetime.now(UTC)
            self._notify(job)
            with self._lock:
                self._running.pop(job.connection_id, None)
            job.done.set()
