"""Keeping copies fresh, assembled: schedules, the scheduler, the fast lane, history, leases,
status, retention.

Delivery code (server, worker, ``sync --every``) builds one ``Freshness`` with the connections it
keeps fresh, how it starts a run (``dispatch``) and how it runs a fast-lane poll (``poll``), then
``start()``s it: a thread that ticks the scheduler every few seconds and runs retention hourly,
and the fast lane's own thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from ashby_connector.core.freshness.fast_lane import FastLane, Poll, lane_on
from ashby_connector.core.freshness.retention import DEFAULT_DELETED_DAYS, Retention
from ashby_connector.core.freshness.schedules import (
    DEFAULT_FAST_EVERY_SECONDS,
    DEFAULT_INCREMENTAL_MINUTES,
    DEFAULT_RECONCILE_HOURS,
    Dispatch,
    Schedule,
    ScheduleDefaults,
    Scheduler,
    Schedules,
)
from ashby_connector.core.freshness.status import SyncStatusReader
from ashby_connector.core.runtime.ticker import Ticker
from ashby_connector.core.settings import Settings
from ashby_connector.core.syncs.history import SyncHistory, SyncLease
from ashby_connector.store import Store
from ashby_connector.store.wakeups import SCHEDULES

log = logging.getLogger("ashby_connector.scheduler")
HOUSEKEEPING_SECONDS = 3600.0
# How often a scheduler fails the queued jobs of killed workers (``sweep``): a query per sweep.
SWEEP_SECONDS = 10.0


@dataclass(frozen=True)
class FreshnessSettings:
    incremental_every_minutes: float = DEFAULT_INCREMENTAL_MINUTES
    reconcile_every_hours: float = DEFAULT_RECONCILE_HOURS
    tick_seconds: float = 5.0
    deleted_retention_days: float = DEFAULT_DELETED_DAYS
    fast_every_seconds: float = DEFAULT_FAST_EVERY_SECONDS


class Freshness:
    def __init__(
        self,
        store: Store,
        settings: FreshnessSettings | None = None,
        *,
        connections: Callable[[], Iterable[str]],
        dispatch: Dispatch | None = None,
        poll: Poll | None = None,
        webhooks_on: Callable[[], Collection[str]] | None = None,
        partner_state: Callable[[], dict[str, Any] | None] | None = None,
        sweep: Callable[[], object] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``poll`` runs the fast lane's polls in this process; ``webhooks_on`` names the
        connections with webhooks on (None: poll every connection, as ``sync --every`` asks);
        ``sweep`` frees what killed workers left (``DistributedRunner.release_stalled``)."""
        self.settings = settings = settings or FreshnessSettings()
        self.store = store
        self.schedules = Schedules(
            store,
            ScheduleDefaults(
                settings.incremental_every_minutes,
                settings.reconcile_every_hours,
                fast_every_seconds=settings.fast_every_seconds,
            ),
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
            polled=self._polled,
        )
        self.retention = Retention(store, deleted_days=settings.deleted_retention_days, clock=clock)
        self.scheduler = (
            Scheduler(self.schedules, connections, dispatch, tick_seconds=settings.tick_seconds, clock=clock)
            if dispatch is not None
            else None
        )
        self.webhooks_on = webhooks_on
        self.fast_lane = (
            FastLane(self.schedules, connections, poll, webhooks_on=webhooks_on, clock=clock)
            if poll is not None
            else None
        )
        self.clock = clock
        # A changed schedule (SCHEDULES rung) is looked at now rather than at the next tick.
        self._ticker = Ticker(
            "ashby-scheduler",
            self._tick,
            log=log,
            retry_seconds=settings.tick_seconds,
            bell=store.wakeups.bell(SCHEDULES),
        )
        self._last_housekeeping = 0.0
        self.sweep = sweep
        self._last_sweep = 0.0

    @classmethod
    def from_settings(
        cls,
        store: Store,
        settings: Settings,
        *,
        connections: Callable[[], Iterable[str]],
        dispatch: Dispatch | None = None,
        poll: Poll | None = None,
        webhooks_on: Callable[[], Collection[str]] | None = None,
        partner_state: Callable[[], dict[str, Any] | None] | None = None,
        sweep: Callable[[], object] | None = None,
    ) -> Freshness:
        """The deployment's freshness (the server's and the workers'), its defaults from ``settings``."""
        return cls(
            store,
            FreshnessSettings(
                settings.schedule_incremental_minutes,
                settings.schedule_reconcile_hours,
                settings.scheduler_tick_seconds,
                settings.deleted_retention_days,
                settings.schedule_fast_every_seconds,
            ),
            connections=connections,
            dispatch=dispatch,
            poll=poll,
            webhooks_on=webhooks_on,
            partner_state=partner_state,
            sweep=sweep,
        )

    @classmethod
    def reader(cls, store: Store) -> Freshness:
        """Status and history of a store, for a command that only reads them (``status``): it
        schedules nothing and polls nothing."""
        from ashby_connector.store.shared_budget import partner_state

        return cls(store, connections=lambda: [], partner_state=lambda: partner_state(store.engine))

    def alive(self) -> bool:
        return self.scheduler is not None and self._ticker.running and self.scheduler.alive()

    def fast_lane_active(self, connection_id: str) -> bool:
        """Whether the connection's fast lane polls now (in this deployment)."""
        return self._polled(self.schedules.get(connection_id))

    def _polled(self, schedule: Schedule) -> bool:
        if self.fast_lane is None and self.webhooks_on is None:
            return False  # a reader of the store only (``status``): no lane known to run
        hooked = None if self.webhooks_on is None else set(self.webhooks_on())
        return lane_on(schedule, hooked)

    def start(self) -> None:
        if self.fast_lane is not None:
            self.fast_lane.start()
        if self.scheduler is not None:
            self._ticker.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._ticker.stop(timeout)
        if self.fast_lane is not None:
            self.fast_lane.stop(timeout)

    def tick(self) -> None:
        assert self.scheduler is not None
        # Runs whose process died are recovered here, in whichever process schedules: at most a
        # lease period after their last heartbeat, never while a lease is live.
        if self.sweep is not None and self.clock() - self._last_sweep >= SWEEP_SECONDS:
            self._last_sweep = self.clock()
            self.sweep()
        self.lease.interrupt_orphans(queued_too=self.store.dialect == "sqlite")
        self.scheduler.tick()
        if self.clock() - self._last_housekeeping >= HOUSEKEEPING_SECONDS:
            self._last_housekeeping = self.clock()
            self.retention.purge_deleted()

    def _tick(self) -> float:
        assert self.scheduler is not None
        self.tick()
        return self.scheduler.tick_seconds
