"""The fast lane: seconds-fresh copies of the lists no webhook covers.

Webhooks bring an application's stage move in under a second, but Ashby sends none for a
candidate's edits, and ``jobUpdate`` is not among the types ``webhook.create`` accepts. While a
connection has webhooks on, its schedule's ``fastStreams`` are polled every ``fastEverySeconds``
with their syncTokens: one request per list when nothing changed. Each poll is claimed once across
every process (``Schedules.claim_poll``), runs as background traffic on the key's shared budget,
and takes the connection's lease, so it never overlaps another run of the connection; a poll that
finds the lease taken is simply left out (the run holding it syncs those lists too), and a run that
finds a poll holding it waits the second it takes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor

from ashby_connector.core.freshness.schedules import Schedule, Schedules
from ashby_connector.core.runtime.ticker import Ticker
from ashby_connector.store.wakeups import SCHEDULES, IdleBackoff

log = logging.getLogger("ashby_connector.scheduler")

# connection id, lists -> runs one poll (``SyncService.poll``)
Poll = Callable[[str, list[str]], object]
MAX_WAIT_SECONDS = 1.0  # the longest wait while some lane is on
# No lane on anywhere: the polling fallback backs off to this. A schedule changed or webhooks
# registered ring the SCHEDULES bell (here at once, from another process on PostgreSQL).
IDLE_WAIT_SECONDS = 5.0
DEFAULT_WORKERS = 4
BUSY_RECHECK_SECONDS = 0.1


def lane_on(schedule: Schedule, hooked: Collection[str] | None) -> bool:
    """Whether the connection's lists are polled: lane on, schedule not paused, and webhooks on
    (``hooked``: the connections with webhooks on; None: every connection)."""
    if schedule.paused or not schedule.fast_every_seconds or not schedule.fast_streams:
        return False
    return hooked is None or schedule.connection_id in hooked


class FastLane:
    """``webhooks_on()`` names the connections with webhooks on; None polls every connection (a
    single account that asked for the lane itself: ``sync --every ... --fast-every``)."""

    def __init__(
        self,
        schedules: Schedules,
        connections: Callable[[], Iterable[str]],
        poll: Poll,
        *,
        webhooks_on: Callable[[], Collection[str]] | None = None,
        workers: int = DEFAULT_WORKERS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.schedules = schedules
        self.connections = connections
        self.poll = poll
        self.webhooks_on = webhooks_on
        self.workers = max(1, workers)
        self.clock = clock
        self._polling: set[str] = set()
        self._lock = threading.Lock()
        self._ticker = Ticker(
            "ashby-fast-lane",
            self.tick,
            log=log,
            retry_seconds=MAX_WAIT_SECONDS,
            bell=schedules.store.wakeups.bell(SCHEDULES),
        )
        self._idle = IdleBackoff(MAX_WAIT_SECONDS, IDLE_WAIT_SECONDS)
        self._pool: ThreadPoolExecutor | None = None

    def tick(self) -> float:
        """Start every due poll (each claimed once across processes); seconds until the next is due."""
        now = self.clock()
        known = set(self.connections())
        hooked = None if self.webhooks_on is None else set(self.webhooks_on())
        wait = MAX_WAIT_SECONDS
        lanes = 0
        for schedule in self.schedules.all():
            cid = schedule.connection_id
            if cid not in known or not lane_on(schedule, hooked):
                continue
            lanes += 1
            if schedule.next_fast_at > now:
                wait = min(wait, schedule.next_fast_at - now)
                continue
            with self._lock:
                if cid in self._polling or len(self._polling) >= self.workers:
                    # The previous poll is still going: the next one follows it closely.
                    wait = min(wait, BUSY_RECHECK_SECONDS)
                    continue
            if not self.schedules.claim_poll(schedule):
                continue
            wait = min(wait, schedule.fast_every_seconds)
            self._submit(cid, list(schedule.fast_streams))
        if not lanes:
            return self._idle.idle()
        self._idle.busy()
        return max(0.02, wait)

    def _submit(self, connection_id: str, streams: list[str]) -> None:
        with self._lock:
            self._polling.add(connection_id)
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="ashby-fast-lane")
            pool = self._pool
        pool.submit(self._run, connection_id, streams)

    def _run(self, connection_id: str, streams: list[str]) -> None:
        try:
            self.poll(connection_id, streams)
        except Exception:  # one failed poll must not end the lane
            log.exception("fast-lane poll of %s failed", connection_id)
        finally:
            with self._lock:
                self._polling.discard(connection_id)

    def start(self) -> None:
        self._ticker.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._ticker.stop(timeout)
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
