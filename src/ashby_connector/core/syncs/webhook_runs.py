"""Runs started by webhooks: the lists a webhook's payload could not bring up to date are re-read
by one incremental run of the connection, recorded with trigger ``webhook``.

Requests are coalesced per connection: a burst of webhooks (a bulk merge, a plan transition moving
a hundred applications) becomes one run of the union of their lists, started once the burst has
been quiet for ``settle_seconds`` (at most ``max_delay_seconds`` after its first request). The run
takes the connection's lease like any other; while another run holds it, the request waits and is
retried, and requests arriving during our own run make one more run after it (the run may have
listed before their change).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ashby_connector.core.runtime.ticker import Ticker

log = logging.getLogger("ashby_connector.sync")

# connection id, lists -> True when the run was started (or queued), False when the connection is
# busy with another run (retried later)
StartRun = Callable[[str, list[str]], bool]
SETTLE_SECONDS = 1.0
MAX_DELAY_SECONDS = 5.0
RETRY_SECONDS = 1.0
IDLE_WAIT_SECONDS = 3600.0  # nothing pending: ``request`` wakes the ticker


@dataclass
class _Pending:
    streams: set[str] = field(default_factory=set)
    first_at: float = 0.0
    last_at: float = 0.0
    retry_at: float = 0.0


class WebhookRuns:
    def __init__(
        self,
        start: StartRun,
        *,
        settle_seconds: float = SETTLE_SECONDS,
        max_delay_seconds: float = MAX_DELAY_SECONDS,
        retry_seconds: float = RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.start_run = start
        self.settle_seconds = settle_seconds
        self.max_delay_seconds = max_delay_seconds
        self.retry_seconds = retry_seconds
        self.clock = clock
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()
        self._ticking = threading.Lock()
        self._ticker = Ticker("ashby-webhook-runs", self.tick, log=log, retry_seconds=retry_seconds)

    def request(self, connection_id: str, streams: Iterable[str]) -> None:
        """Ask for a run of ``streams`` soon (merged with any request not yet started)."""
        now = self.clock()
        with self._lock:
            pending = self._pending.get(connection_id)
            if pending is None:
                pending = self._pending[connection_id] = _Pending(first_at=now)
            pending.streams.update(streams)
            pending.last_at = now
        self._ticker.start()
        self._ticker.wake()

    def pending(self) -> dict[str, list[str]]:
        with self._lock:
            return {cid: sorted(p.streams) for cid, p in self._pending.items()}

    def tick(self) -> float:
        """Start the runs that are due; seconds until the next check. Calls never overlap, so a
        due run is started once whoever ticks."""
        with self._ticking:
            return self._tick()

    def _tick(self) -> float:
        now = self.clock()
        due: list[tuple[str, list[str], float]] = []
        wait = IDLE_WAIT_SECONDS
        with self._lock:
            for cid, p in self._pending.items():
                settled = min(p.last_at + self.settle_seconds, p.first_at + self.max_delay_seconds)
                at = max(settled, p.retry_at)
                if at <= now:
                    due.append((cid, sorted(p.streams), p.last_at))
                else:
                    wait = min(wait, at - now)
        for cid, streams, seen_last in due:
            try:
                started = self.start_run(cid, streams)
            except Exception:
                log.exception("webhook-triggered run of %s could not start", cid)
                started = False
            with self._lock:
                left = self._pending.get(cid)
                if left is None:
                    continue
                if not started:
                    left.retry_at = self.clock() + self.retry_seconds
                    wait = min(wait, self.retry_seconds)
                elif left.last_at == seen_last:
                    del self._pending[cid]
                else:  # asked again while the run was starting: one more run after it
                    left.first_at, left.retry_at = self.clock(), self.clock() + self.retry_seconds
        return max(0.02, wait)

    def stop(self, timeout: float = 10.0) -> None:
        self._ticker.stop(timeout)
