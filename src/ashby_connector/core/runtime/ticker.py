"""A daemon thread that calls ``tick()`` until stopped; ``tick`` says how long to wait until the
next call. A failing tick (a database hiccup) is logged and retried, never the end of the loop."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable


class Ticker:
    def __init__(
        self, name: str, tick: Callable[[], float], *, log: logging.Logger, retry_seconds: float
    ) -> None:
        self.name = name
        self.tick = tick
        self.log = log
        self.retry_seconds = retry_seconds
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

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
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
            self._stop.wait(wait)
