"""``QueuedRuns``: sync runs queued for workers (``worker.distributed``, procrastinate).

A queued run is in the history as ``queued`` from the moment it is queued; whichever worker picks
it up runs it through ``SyncService`` (the connection's lease, the history with its trigger, the
events, the metrics, one log line), so a run on a worker and one the server starts never overlap.
A due scheduled run that finds the connection's previous run still going is recorded ``skipped``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ashby_connector.core.runtime.holders import holder_name
from ashby_connector.core.syncs.history import SyncRun
from ashby_connector.core.syncs.modes import Mode, Trigger
from ashby_connector.core.syncs.service import SKIPPED_RUNNING, ClientFactory, OnFinished, SyncService
from ashby_connector.store import ChangeCallbackFor, Store

__all__ = ["QueuedRuns", "RunNotFinishedError"]


class RunNotFinishedError(RuntimeError):
    """A queued run that failed: the job fails too, naming the lists that did not finish."""


class QueuedRuns:
    def __init__(
        self,
        store: Store,
        client_for: ClientFactory,
        *,
        on_change_for: ChangeCallbackFor | None = None,
        on_finished: OnFinished | None = None,
        key_source: Callable[[str], Any] | None = None,
    ) -> None:
        """``client_for(connection_id)``: the client a run syncs with; ``on_change_for``: the
        connection's change callback (unified events); ``key_source``: its client as it is now
        (a running sync follows a rotated key)."""
        self.store = store
        self.service = SyncService(
            store,
            client_for,
            holder=holder_name(),
            on_change_for=on_change_for,
            on_finished=on_finished,
            key_source=key_source,
        )

    def queued(
        self,
        connection_id: str,
        *,
        trigger: Trigger,
        mode: Mode = Mode.INCREMENTAL,
        streams: list[str] | None = None,
    ) -> str:
        """Record a run as ``queued``; returns its id (the job carries it to ``run``)."""
        return self.service.queue(connection_id, trigger=trigger, mode=mode, streams=streams)

    def forget(self, run_id: str) -> None:
        """Drop a queued run that was never queued after all (a waiting one covers it)."""
        self.service.history.delete(run_id)

    def skipped_while_busy(self, connection_id: str, mode: Mode) -> bool:
        """A due scheduled run while the connection's previous run still holds its lease: recorded
        ``skipped`` (returns True); False when nothing holds the lease."""
        if not self.service.lease.busy(connection_id):
            return False
        history = self.service.history
        run_id = history.create(connection_id, trigger=Trigger.SCHEDULE, mode=mode, status="skipped")
        history.skipped(run_id, SKIPPED_RUNNING)
        return True

    def run(
        self,
        connection_id: str,
        *,
        mode: Mode,
        streams: list[str] | None,
        run_id: str | None,
        trigger: Trigger,
    ) -> dict[str, Any]:
        """Run a queued run in this thread; its report. ``RunNotFinishedError`` when it failed."""
        run = self.service.run(connection_id, trigger=trigger, mode=mode, streams=streams, run_id=run_id)
        if run.status == "failed":
            report = run.report or {}
            failed = [s["stream"] for s in report.get("streams", []) if s.get("status") == "failed"]
            why = ", ".join(failed) or run.error or "unknown"
            raise RunNotFinishedError(f"sync of {connection_id} did not finish: {why}")
        return run.report or {"status": run.status}

    def poll(self, connection_id: str, streams: list[str]) -> SyncRun | None:
        """A fast-lane poll of ``streams`` (the scheduler of a worker runs them here)."""
        return self.service.poll(connection_id, streams)
