"""Per-key request budgets and Ashby's report limits (15 starts a minute, 3 running at once)."""

from __future__ import annotations

import time
from collections import deque

from ashby_connector.emulator.errors import ApiError


class SlidingWindow:
    """At most ``limit`` events in any ``window`` seconds."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self.events: deque[float] = deque()

    def hit(self, now: float | None = None) -> float | None:
        """Record one event; returns None if allowed, else seconds until one would be allowed."""
        now = time.monotonic() if now is None else now
        while self.events and now - self.events[0] >= self.window:
            self.events.popleft()
        if len(self.events) >= self.limit:
            return self.window - (now - self.events[0])
        self.events.append(now)
        return None


class RateLimiter:
    """The key's budget, and the lower budgets of single operations (per key) when configured."""

    def __init__(self, per_minute: int | None, per_operation: dict[str, int] | None = None) -> None:
        self.per_minute = per_minute
        self.per_operation = dict(per_operation or {})
        self.windows: dict[str, SlidingWindow] = {}

    def _hit(self, name: str, limit: int, what: str) -> None:
        win = self.windows.get(name)
        if win is None or win.limit != limit:
            win = self.windows[name] = SlidingWindow(limit)
        if win.hit() is not None:
            raise ApiError(
                "rate_limit_exceeded",
                f"Rate limit of {limit} requests per minute{what} exceeded",
                http_status=429,
            )

    def check(self, key: str, operation: str = "") -> None:
        if self.per_minute is not None:
            self._hit(key, self.per_minute, "")
        own = self.per_operation.get(operation)
        if own is not None:
            self._hit(f"{key}\x00{operation}", own, f" for {operation}")


class ReportLimiter:
    """Report starts (report.synchronous, report.generate) per organisation.

    ``start()`` raises 429 ``rate_limit_exceeded`` or ``concurrent_limit_exceeded``; call
    ``finish()`` when the report completes (or fails) to free a concurrent slot.
    """

    def __init__(self, per_minute: int = 15, concurrent: int = 3) -> None:
        self.window = SlidingWindow(per_minute)
        self.concurrent = concurrent
        self.running = 0

    def start(self) -> None:
        if self.running >= self.concurrent:
            raise ApiError(
                "concurrent_limit_exceeded",
                f"At most {self.concurrent} reports may run at once",
                http_status=429,
            )
        if self.window.hit() is not None:
            raise ApiError(
                "rate_limit_exceeded", f"At most {self.window.limit} reports per minute", http_status=429
            )
        self.running += 1

    def finish(self) -> None:
        self.running = max(0, self.running - 1)
