"""Per-key request budgets and Ashby's report limits (15 starts a minute, 3 running at once)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

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


PARTNER_SCOPE = "integration-partner"


def _window_limit(per_minute: int, window: float) -> int:
    return max(1, round(per_minute * window / 60.0))


class RateLimiter:
    """The key's budget, and the lower budgets of single operations (per key) when configured.

    ``per_minute`` requests per key, counted over any ``window`` seconds (60 like Ashby; a
    shorter window keeps the same rate, ``per_minute * window / 60`` per window, so tests and
    benchmarks check the ratio in seconds). ``partner_per_minute`` counts every key together and
    answers 429 with ``X-RateLimit-Scope: integration-partner`` when exceeded."""

    def __init__(
        self,
        per_minute: int | None,
        per_operation: dict[str, int] | None = None,
        *,
        window: float = 60.0,
        partner_per_minute: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # Injectable so that tests count 429s per window on a clock they move, not the machine's.
        self.clock = clock
        self.per_minute = per_minute
        self.per_operation = dict(per_operation or {})
        self.window = window
        self.partner_per_minute = partner_per_minute
        self.windows: dict[str, SlidingWindow] = {}
        self.partner = (
            SlidingWindow(_window_limit(partner_per_minute, window), window) if partner_per_minute else None
        )
        # Monotonic times of the 429s this limiter answered (tests and benchmarks count them).
        self.rejections: deque[float] = deque(maxlen=100_000)
        self.partner_rejections: deque[float] = deque(maxlen=100_000)

    def _hit(self, name: str, per_minute: int, what: str) -> None:
        limit = _window_limit(per_minute, self.window)
        win = self.windows.get(name)
        if win is None or win.limit != limit:
            win = self.windows[name] = SlidingWindow(limit, self.window)
        now = self.clock()
        if win.hit(now) is not None:
            self.rejections.append(now)
            raise ApiError(
                "rate_limit_exceeded",
                f"Rate limit of {per_minute} requests per minute{what} exceeded",
                http_status=429,
            )

    def check(self, key: str, operation: str = "") -> None:
        now = self.clock()
        if self.partner is not None and self.partner.hit(now) is not None:
            self.partner_rejections.append(now)
            raise ApiError(
                "rate_limit_exceeded",
                f"Partner-wide rate limit of {self.partner_per_minute} requests per minute exceeded",
                http_status=429,
                headers={"X-RateLimit-Scope": PARTNER_SCOPE},
            )
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
