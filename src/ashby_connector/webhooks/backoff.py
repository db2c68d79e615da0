"""Exponential backoff schedules with a time scale, so tests run hours of retries in milliseconds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delay after failed attempt ``n`` (1-based): ``base * 2**(n-1)``, capped, times ``time_scale``.

    The default outbound schedule (30 s doubling to a 1 h cap, 20 attempts) keeps retrying for
    about 13 hours, so a receiver that is down overnight still gets everything.
    """

    base_seconds: float = 30.0
    cap_seconds: float = 3600.0
    max_attempts: int = 20
    time_scale: float = 1.0

    def delay(self, attempt: int) -> float | None:
        """Seconds to wait after failed attempt ``attempt``; None when it was the last one."""
        if attempt >= self.max_attempts:
            return None
        raw = min(self.base_seconds * 2.0 ** (attempt - 1), self.cap_seconds)
        return raw * self.time_scale

    def total_seconds(self) -> float:
        return sum(d for n in range(1, self.max_attempts) if (d := self.delay(n)) is not None)


# Inbound processing retries: a failing fetch from Ashby is retried for about an hour.
INBOX_BACKOFF = Backoff(base_seconds=2.0, cap_seconds=600.0, max_attempts=12)
DELIVERY_BACKOFF = Backoff()
