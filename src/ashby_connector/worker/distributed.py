"""The distributed runner: procrastinate on PostgreSQL, any number of worker processes.

A sync is a procrastinate job on the ``ashby-sync`` queue. ``queueing_lock`` = the connection id
keeps at most one waiting sync per connection, and ``lock`` = the connection id makes workers run
one sync per connection at a time, whichever machine picks it up. The job table lives in the same
PostgreSQL database as the store (procrastinate's own schema, applied by ``install_schema``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, cast

from ashby_connector.store import ChangeCallbackFor, Store, normalize_url

QUEUE = "ashby-sync"
TASK_NAME = "ashby_connector.sync_connection"

ClientFactory = Callable[[str], Any]


def _conninfo(db_url: str) -> str:
    """procrastinate speaks libpq: drop SQLAlchemy's ``+psycopg`` driver suffix."""
    url = normalize_url(db_url)
    if not url.startswith("postgresql"):
        raise ValueError("the distributed worker needs PostgreSQL (--db postgresql+psycopg://...)")
    return "postgresql://" + url.split("://", 1)[1]


class DistributedRunner:
    """Enqueue syncs from anywhere; run them in ``work()`` on any machine."""

    def __init__(
        self,
        db_url: str,
        client_factory: ClientFactory,
        *,
        on_change_for: ChangeCallbackFor | None = None,
        store: Store | None = None,
    ) -> None:
        """``on_change_for(connection_id)``: that connection's change callback (as ``EmbeddedRunner``),
        the core's ``events.for_connection``, so syncs on workers produce unified events. ``store``:
        the core's (it refuses writes of deleted connections); by default one is opened here."""
        import procrastinate

        self.db_url = db_url
        self.client_factory = client_factory
        self.on_change_for = on_change_for
        self.app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=_conninfo(db_url)))
        self._store: Store | None = store
        self._owns_store = store is None
        self._store_lock = threading.Lock()

        @self.app.task(name=TASK_NAME, queue=QUEUE, pass_context=False)
        def sync_connection(
            connection_id: str, full: bool = False, streams: list[str] | None = None
        ) -> dict[str, Any]:
            return self._sync(connection_id, full, streams)

        self.task = sync_connection

    def install_schema(self) -> None:
        """Create procrastinate's tables once (idempotent: skipped when present)."""
        import psycopg

        with psycopg.connect(_conninfo(self.db_url)) as conn:
            exists = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if exists and exists[0]:
            return
        with self.app.open():
            self.app.schema_manager.apply_schema()

    def enqueue(
        self, connection_id: str, *, full: bool = False, streams: list[str] | None = None
    ) -> int | None:
        """Queue a sync; returns the job id, or None when one is already waiting for this connection."""
        from procrastinate import exceptions

        with self.app.open():
            try:
                return self.task.configure(lock=connection_id, queueing_lock=connection_id).defer(
                    connection_id=connection_id, full=full, streams=cast(Any, streams)
                )
            except exceptions.AlreadyEnqueued:
                return None

    def work(self, *, wait: bool = True, concurrency: int = 2) -> None:
        """Run jobs until stopped (``wait=False``: until the queue is empty)."""
        import procrastinate

        async_app = self.app.with_connector(procrastinate.PsycopgConnector(conninfo=_conninfo(self.db_url)))
        try:
            async_app.run_worker(
                queues=[QUEUE], wait=wait, concurrency=concurrency, install_signal_handlers=wait
            )
        finally:
            if self._store is not None and self._owns_store:
                self._store.close()
                self._store = None

    def _sync(self, connection_id: str, full: bool, streams: list[str] | None) -> dict[str, Any]:
        from ashby_connector.sync import SyncEngine

        with self._store_lock:
            if self._store is None:
                self._store = Store.open(self.db_url)
        client = self.client_factory(connection_id)
        try:
            on_change = self.on_change_for(connection_id) if self.on_change_for is not None else None
            report = SyncEngine(
                client, self._store, connection_id, streams=streams, full=full, on_change=on_change
            ).run()
        finally:
            close = getattr(client, "close", None)
            if callable(close):
                close()
        if not report.ok:
            failed = [s.stream for s in report.streams if not s.finished]
            raise RuntimeError(f"sync of {connection_id} did not finish: {', '.join(failed)}")
        return report.to_dict()
