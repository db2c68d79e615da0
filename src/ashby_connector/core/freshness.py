"""Keeping copies fresh, assembled: schedules, the scheduler, history, leases, status, retention.

Delivery code (server, worker, ``sync --every``) builds one ``Freshness`` with the connections it
keeps fresh and how it starts a run (``dispatch``), then ``start()``s it: a thread that ticks the
scheduler every few seconds and runs retention hourly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ashby_connector.core.retention import DEFAULT_DELETED_DAYS, Retention
from ashby_connector.core.schedule import (
    DEFAULT_INCREMENTAL_MINUTES,
    DEFAULT_RECONCILE_HOURS,
    Dispatch,
    ScheduleDefaults,
    Scheduler,
    Schedules,
)
from ashby_connector.core.sync_history import SyncHistory, SyncLease
from ashby_connector.core.sync_status import SyncStatusReader
from ashby_connector.store import Store

log = logging.getLogger("ashby_connector.scheduler")
HOUSEKEEPING_SECONDS = 3600.0


@dataclass(frozen=True)
class FreshnessSettings:
    incremental_every_minutes: float = DEFAULT_INCREMENTAL_MINUTES
    reconcile_every_hours: float = DEFAULT_RECONCILE_HOURS
    tick_seconds: float = 5.0
    deleted_retention_days: float = DEFAULT_DELETED_DAYS


class Freshness:
    def __init__(
        self,
        store: Store,
        settings: FreshnessSettings | None = None,
        *,
        connections: Callable[[], Iterable[str]],
        dispatch: Dispatch | None = None,
        partner_state: Callable[[], dict[str, Any] | None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings = settings or FreshnessSettings()
        self.store = store
        self.schedules = Schedules(
            store,
            ScheduleDefaults(settings.incremental_every_minutes, settings.reconcile_every_hours),
            clock=clock,
        )
        self.history = SyncHistory(store)
        self.lease = SyncLease(store, clock=clock)
        self.status = SyncStatusReader(
            store,
            self.schedules,
            history=self.history,
            lease=self.lease,
            partner_state=partner_state,
            clock=clock,
        )
        self.retention = Retention(store, deleted_days=settings.deleted_retention_days, clock=clock)
        self.scheduler = (
            Scheduler(self.schedules, connections, dispatch, tick_seconds=settings.tick_seconds, clock=clock)
            if dispatch is not None
            else None
        )
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_housekeeping = 0.0

    def alive(self) -> bool:
        return self.scheduler is not None and self._thread is not None and self.scheduler.alive()

    def start(self) -> None:
        if self.scheduler is None or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="ashby-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def tick(self) -> None:
        assert self.scheduler is not None
        self.scheduler.tick()
        if self.clock() - self._last_housekeeping >= HOUSEKEEPING_SECONDS:
            self._last_housekeeping = self.clock()
            self.retention.purge_deleted()

    def _loop(self) -> None:
        assert self.scheduler is not None
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # a database hiccup must not end scheduling for good
                log.exception("scheduler tick failed")
            self._stop.wait(self.scheduler.tick_seconds)
