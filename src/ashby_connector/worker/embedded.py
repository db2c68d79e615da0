"""The in-process runner: syncs in background threads, one at a time per connection."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from ashby_connector.store import Store
from ashby_connector.sync import SyncEngine, SyncReport
from ashby_connector.sync.runner import OnChange

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
    """Runs ``SyncEngine`` for connections in daemon threads of this process."""

    def __init__(
        self, store: Store, client_factory: ClientFactory, *, on_change: OnChange | None = None
    ) -> None:
        self.store = store
        self.client_factory = client_factory
        self.on_change = on_change
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
    ) -> SyncJob:
        with self._lock:
            if connection_id in self._running:
                raise SyncAlreadyRunningError(f"a sync of connection {connection_id} is already running")
            job = SyncJob(uuid.uuid4().hex, connection_id, full, streams)
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

    def _run(self, job: SyncJob, reconcile: bool) -> None:
        job.status = "running"
        try:
            client = self.client_factory(job.connection_id)
            try:
                report: SyncReport = SyncEngine(
                    client,
                    self.store,
                    job.connection_id,
                    streams=job.streams,
                    full=job.full,
                    reconcile=reconcile,
                    on_change=self.on_change,
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
            with self._lock:
                self._running.pop(job.connection_id, None)
            job.done.set()
