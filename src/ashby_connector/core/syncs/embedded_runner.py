"""The in-process runner: syncs in background threads, one at a time per connection.

Each job runs through ``core.syncs.service.SyncService``: it is recorded in the sync history, takes
the connection's lease (so no other process syncs the connection at the same time; a job that
finds the lease taken ends ``skipped``), and tells ``on_finished`` (the sync events).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from ashby_connector.core.runtime.holders import holder_name
from ashby_connector.core.syncs.history import new_run_id
from ashby_connector.core.syncs.modes import Mode, Trigger
from ashby_connector.core.syncs.service import OnFinished, PoliciesFor, SyncService
from ashby_connector.store import ChangeCallback, ChangeCallbackFor, Store

log = logging.getLogger(__name__)

JobStatus = Literal["queued", "running", "succeeded", "failed", "skipped"]
ClientFactory = Callable[[str], Any]  # connection id -> a client (closed by the runner if it can)


class SyncAlreadyRunningError(Exception):
    """A sync of this connection is already running: two would race on its sync state."""


@dataclass
class SyncJob:
    id: str
    connection_id: str
    mode: Mode = Mode.INCREMENTAL
    streams: list[str] | None = None
    status: JobStatus = "queued"
    report: dict[str, Any] | None = None
    error: str | None = None
    trigger: Trigger = Trigger.MANUAL
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    done: threading.Event = field(default_factory=threading.Event, repr=False)


class EmbeddedRunner:
    """Runs syncs for connections in daemon threads of this process.

    ``on_change`` is one callback for every connection; a runner shared by connections whose
    changes must be told apart (the server's outbound events) passes ``on_change_for`` instead,
    called once per job with its connection id. ``on_status(job)`` is called when a job starts
    running and when it has finished (its report or error set). ``on_finished(run)`` gets each
    finished run's history entry (``sync.finished`` / ``sync.failed`` events).
    """

    def __init__(
        self,
        store: Store,
        client_factory: ClientFactory,
        *,
        on_change: ChangeCallback | None = None,
        on_change_for: ChangeCallbackFor | None = None,
        on_status: Callable[[SyncJob], None] | None = None,
        on_finished: OnFinished | None = None,
        concurrency: int | None = None,
        policies_for: PoliciesFor | None = None,
        key_source: ClientFactory | None = None,
    ) -> None:
        if on_change is not None and on_change_for is not None:
            raise ValueError("pass on_change or on_change_for, not both")
        self.store = store
        self.client_factory = client_factory
        self.on_change = on_change
        self.on_change_for = on_change_for
        self.on_status = on_status
        self.service = SyncService(
            store,
            client_factory,
            holder=holder_name(),
            on_change_for=self._changes_for,
            on_finished=on_finished,
            concurrency=concurrency,
            policies_for=policies_for,
            key_source=key_source,
        )
        self._jobs: dict[str, SyncJob] = {}
        self._running: dict[str, str] = {}  # connection id -> job id
        self._lock = threading.Lock()

    def submit(
        self,
        connection_id: str,
        *,
        mode: Mode = Mode.INCREMENTAL,
        streams: list[str] | None = None,
        job_id: str | None = None,
        trigger: Trigger = Trigger.MANUAL,
    ) -> SyncJob:
        """Start a sync, recorded in the history under ``job_id`` (default: a new run id)."""
        mode, trigger = Mode(mode), Trigger(trigger)
        with self._lock:
            if connection_id in self._running:
                raise SyncAlreadyRunningError(f"a sync of connection {connection_id} is already running")
            job = SyncJob(job_id or new_run_id(), connection_id, mode, streams, trigger=trigger)
            self._jobs[job.id] = job
            self._running[connection_id] = job.id
        try:
            self.service.history.create(
                connection_id,
                trigger=trigger,
                mode=mode,
                streams=streams,
                run_id=job.id,
            )
        except BaseException:
            with self._lock:
                self._running.pop(connection_id, None)
                self._jobs.pop(job.id, None)
            raise
        thread = threading.Thread(target=self._run, args=(job,), name=f"sync-{job.id[-8:]}", daemon=True)
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

    def _run(self, job: SyncJob) -> None:
        job.status = "running"
        self._notify(job)
        try:
            run = self.service.run(
                job.connection_id,
                trigger=job.trigger,
                mode=job.mode,
                streams=job.streams,
                run_id=job.id,
            )
            job.report, job.error = run.report, run.error
            job.status = run.status  # type: ignore[assignment]
        except Exception as exc:  # the history could not be written: the job still ends
            job.error = f"{type(exc).__name__}: {exc}"[:2000]
            job.status = "failed"
        finally:
            job.finished_at = datetime.now(UTC)
            self._notify(job)
            with self._lock:
                self._running.pop(job.connection_id, None)
            job.done.set()
