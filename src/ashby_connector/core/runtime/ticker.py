"""A daemon thread that calls ``tick()`` until stopped; ``tick`` says how long to wait until the
next call. A failing tick (a database hiccup) is logged and retried, never the end of the loop.

``wake()`` (or ringing the ``bell`` it was given: work queued in this process, or a PostgreSQL
NOTIFY from another) ends the wait at once, so a tick may wait long while nothing is due."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ashby_connector.store.wakeups import Bell


class Ticker:
    def __init__(
        self,
        name: str,
        tick: Callable[[], float],
        *,
        log: logging.Logger,
        retry_seconds: float,
        bell: Bell | None = None,
    ) -> None:
        self.name = name
        self.tick = tick
        self.log = log
        self.retry_seconds = retry_seconds
        self.bell = bell or Bell(name)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Tick now (the wait in progress ends)."""
        self.bell.ring()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.bell.ring()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self.tick()
            except Exception:
                self.log.exception("%s: tick failed", self.name)
                wait = self.retry_seconds
            if not self._stop.is_set():
                self.bell.wait(wait)
