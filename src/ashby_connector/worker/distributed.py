"""The distributed runner: procrastinate on PostgreSQL, any number of worker processes.

A sync is a procrastinate job on the ``ashby-sync`` queue. ``queueing_lock`` = the connection id
keeps at most one waiting sync per connection, and ``lock`` = the connection id makes workers run
one sync per connection at a time, whichever machine picks it up. The job table lives in the same
PostgreSQL database as the store (procrastinate's own schema, applied by ``install_schema``).

Each job runs through the core's ``QueuedRuns`` (history, the connection's lease, events), so a
sync the server runs itself and one a worker runs never overlap either. ``schedule(...)`` is
the scheduler's dispatch: it queues a due run unless the previous one is still going.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, cast

from ashby_connector.core import ChangeCallbackFor, Store, normalize_url
from ashby_connector.core.syncs.history import HEARTBEATS_PER_LEASE, LEASE_SECONDS
from ashby_connector.core.syncs.modes import Mode, Trigger
from ashby_connector.core.syncs.queued_runs import QueuedRuns
from ashby_connector.core.syncs.service import OnFinished

QUEUE = "ashby-sync"
# A worker beats every sixth of a sync lease (10 s of 60 s, procrastinate's own defaults); one silent
# for half a lease is gone, so its jobs are failed before the lease of its run lapses.
HEARTBEAT_SECONDS = LEASE_SECONDS / HEARTBEATS_PER_LEASE
STALLED_WORKER_SECONDS = LEASE_SECONDS / 2
TASK_NAME = "ashby_connector.sync_connection"

ClientFactory = Callable[[str], Any]


def _conninfo(db_url: str) -> str:
    """procrastinate speaks libpq: drop SQLAlchemy's ``+psycopg`` driver suffix."""
    url = normalize_url(db_url)
    if not url.startswith("postgresql"):
        raise ValueError("the distributed worker needs PostgreSQL (--db postgresql+psycopg://...)")
    return "postgresql://" + url.split("://", 1)[1]


# The advisory lock held while procrastinate's schema is installed (released with the connection).
_SCHEMA_LOCK = 0x61736862  # "ashb"


class DistributedRunner:
    """Enqueue syncs from anywhere; run them in ``work()`` on any machine."""

    def __init__(
        self,
        db_url: str,
        client_factory: ClientFactory,
        *,
        on_change_for: ChangeCallbackFor | None = None,
        on_finished: OnFinished | None = None,
        store: Store | None = None,
        key_source: ClientFactory | None = None,
    ) -> None:
        """``on_change_for(connection_id)``: that connection's change callback (as ``EmbeddedRunner``),
        the core's ``events.for_connection``, so syncs on workers produce unified events. ``store``:
        the core's (it refuses writes of deleted connections); by default one is opened here."""
        import procrastinate

        self.db_url = db_url
        self.client_factory = client_factory
        self.on_change_for = on_change_for
        self.on_finished = on_finished
        self.app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=_conninfo(db_url)))
        self._store: Store | None = store
        self.key_source = key_source  # a running sync follows a rotated key (``SyncService``)
        self._owns_store = store is None
        self._runs: QueuedRuns | None = None
        self._store_lock = threading.Lock()

        @self.app.task(name=TASK_NAME, queue=QUEUE, pass_context=False)
        def sync_connection(
            connection_id: str,
            mode: str = Mode.INCREMENTAL.value,
            streams: list[str] | None = None,
            run_id: str | None = None,
            trigger: str = Trigger.MANUAL.value,
        ) -> dict[str, Any]:
            return self.runs().run(
                connection_id, mode=Mode(mode), streams=streams, run_id=run_id, trigger=Trigger(trigger)
            )

        self.task = sync_connection

    def install_schema(self) -> None:
        """Create procrastinate's tables once (idempotent: skipped when present)."""
        import psycopg

        with psycopg.connect(_conninfo(self.db_url), autocommit=True) as conn:
            # Processes starting together (a server and its workers) would both find no table and
            # both create it, the second failing on a unique constraint: one installs at a time.
            conn.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK,))
            exists = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
            if exists and exists[0]:
                return
            with self.app.open():
                self.app.schema_manager.apply_schema()

    def enqueue(
        self,
        connection_id: str,
        *,
        mode: Mode = Mode.INCREMENTAL,
        streams: list[str] | None = None,
        trigger: Trigger = Trigger.MANUAL,
    ) -> int | None:
        """Queue a sync; returns the job id, or None when one is already waiting for this connection.

        The run shows in the history as ``queued`` from now on."""
        from procrastinate import exceptions

        runs = self.runs()
        run_id = runs.queued(connection_id, trigger=trigger, mode=mode, streams=streams)
        with self.app.open():
            try:
                return self.task.configure(lock=connection_id, queueing_lock=connection_id).defer(
                    connection_id=connection_id,
                    mode=Mode(mode).value,
                    streams=cast(Any, streams),
                    run_id=run_id,
                    trigger=Trigger(trigger).value,
                )
            except exceptions.AlreadyEnqueued:
                runs.forget(run_id)  # the waiting run covers this one
                return None

    def release_stalled(self, seconds_since_heartbeat: float = STALLED_WORKER_SECONDS) -> int:
        """Fail the sync jobs of workers that stopped beating (killed): procrastinate keeps such a
        job ``doing`` forever, and its ``lock`` would keep every later sync of the connection
        waiting. Their runs are marked interrupted once the connection's lease lapses
        (``SyncLease.interrupt_orphans``); the next run resumes. Returns how many were failed."""
        from procrastinate import sql

        with self.app.open():
            rows = self.app.connector.execute_query_all(
                query=sql.queries["select_stalled_jobs_by_heartbeat"],
                queue=QUEUE,
                task_name=TASK_NAME,
                seconds_since_heartbeat=seconds_since_heartbeat,
            )
            for row in rows:
                self.app.connector.execute_query(
                    query=sql.queries["finish_job"], job_id=row["id"], status="failed", delete_job=False
                )
        return len(rows)

    def schedule(self, connection_id: str, mode: Mode) -> bool:
        """The scheduler's dispatch: queue a due run, or record it skipped while one is going."""
        if self.runs().skipped_while_busy(connection_id, mode):
            return False
        return self.enqueue(connection_id, mode=mode, trigger=Trigger.SCHEDULE) is not None

    def store(self) -> Store:
        with self._store_lock:
            if self._store is None:
                self._store = Store.open(self.db_url)
            return self._store

    def runs(self) -> QueuedRuns:
        """The core's queued runs over this worker's store (built once)."""
        store = self.store()
        with self._store_lock:
            if self._runs is None:
                self._runs = QueuedRuns(
                    store,
                    self.client_factory,
                    on_change_for=self.on_change_for,
                    on_finished=self.on_finished,
                    key_source=self.key_source,
                )
            return self._runs

    def work(self, *, wait: bool = True, concurrency: int = 2) -> None:
        """Run jobs until stopped (``wait=False``: until the queue is empty)."""
        import procrastinate

        async_app = self.app.with_connector(procrastinate.PsycopgConnector(conninfo=_conninfo(self.db_url)))
        try:
            async_app.run_worker(
                queues=[QUEUE],
                wait=wait,
                concurrency=concurrency,
                install_signal_handlers=wait,
                update_heartbeat_interval=HEARTBEAT_SECONDS,
                stalled_worker_timeout=STALLED_WORKER_SECONDS,
            )
        finally:
            self.close()

    def close(self) -> None:
        with self._store_lock:
            if self._store is not None and self._owns_store:
                self._store.close()
                self._store, self._runs = None, None
