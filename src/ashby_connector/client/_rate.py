"""The rate budget: one token bucket per API key, shared by the whole process.

Every client object, thread and asyncio task using the same key draws from the same bucket, so
running many syncs in parallel never exceeds the key's budget. The bucket hands out *reservations*
(how long to wait before sending), computed under a ``threading.Lock``; the sync client sleeps with
``time.sleep`` and the async client with ``asyncio.sleep``, so the same logic serves both.

Ashby counts requests per key over a minute (the emulator over any sliding 60 seconds). A bucket
refilling at rate ``r`` with room for ``b`` tokens sends at most ``b + 60 r`` in any minute, so the
bucket keeps a burst of one second and refills at 97 % of the budget: 16 + 970 = 986 of 1,000 in
the worst minute, which leaves about a second of slack for network jitter and still uses 97 % of
the budget when busy.

A 429 means the server's window is full: nothing is sent for ``Retry-After`` (or about one second
when Ashby does not say), and the rate drops by a fifth (429s within one second count as one), then
comes back linearly within six seconds. Repeated 429s keep cutting it, down to 10 %.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

HEADROOM = 0.97  # share of the budget the bucket refills at (see the module docstring)
BURST_SECONDS = 1.0
PAUSE_SECONDS = 1.0  # after a 429 without Retry-After
_CUT = 0.8
_CUT_GROUPING_SECONDS = 1.0
_MIN_FACTOR = 0.1
_RECOVERY_PER_SECOND = 1 / 30  # a single cut (to 0.8) is recovered in six seconds


class TokenBucket:
    def __init__(self, per_minute: float) -> None:
        self._lock = threading.Lock()
        self._per_minute = float(per_minute)
        self._factor = 1.0
        self._tokens = self.capacity
        self._updated = time.monotonic()
        self._blocked_until = 0.0
        self._last_cut = float("-inf")

    @property
    def per_minute(self) -> float:
        return self._per_minute

    @property
    def capacity(self) -> float:
        return max(1.0, self._per_minute / 60.0 * HEADROOM * BURST_SECONDS)

    @property
    def current_rate_per_second(self) -> float:
        return self._per_minute / 60.0 * HEADROOM * self._factor

    def configure(self, per_minute: float) -> None:
        with self._lock:
            self._per_minute = float(per_minute)
            self._tokens = min(self._tokens, self.capacity)

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated)
        self._updated = now
        self._factor = min(1.0, self._factor + elapsed * _RECOVERY_PER_SECOND)
        self._tokens = min(self.capacity, self._tokens + elapsed * self.current_rate_per_second)

    def reserve(self) -> float:
        """Take one token; return how many seconds the caller must wait before sending."""
        with self._lock:
            now = time.monotonic()
            self._refill(now)
            self._tokens -= 1.0
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.current_rate_per_second
            return max(wait, self._blocked_until - now)

    def penalize(self, retry_after: float | None = None) -> None:
        """Ashby answered 429: send nothing for a while, and slow down a little."""
        with self._lock:
            now = time.monotonic()
            self._refill(now)
            self._tokens = min(self._tokens, 0.0)
            if retry_after:
                self._blocked_until = max(self._blocked_until, now + retry_after)
            if now - self._last_cut < _CUT_GROUPING_SECONDS:
                return  # several requests in flight hit the same full window: one reaction for all
            self._last_cut = now
            self._factor = max(_MIN_FACTOR, self._factor * _CUT)
            if not retry_after:
                # A debt rather than a block: sending resumes at the normal pace, not in a burst.
                self._tokens -= PAUSE_SECONDS * self.current_rate_per_second


_registry: dict[str, TokenBucket] = {}
_registry_lock = threading.Lock()


def bucket_for(key_fingerprint: str, per_minute: float) -> TokenBucket:
    """The process-wide bucket for a key (by fingerprint, never the key itself).

    A later client configuring a different budget for the same key changes the shared budget.
    """
    with _registry_lock:
        bucket = _registry.get(key_fingerprint)
        if bucket is None:
            bucket = _registry[key_fingerprint] = TokenBucket(per_minute)
        elif bucket.per_minute != per_minute:
            bucket.configure(per_minute)
        return bucket


def operation_buckets(key_fingerprint: str, limits: Mapping[str, float]) -> dict[str, TokenBucket]:
    """Buckets for lists with their own, lower budget (``application.listHistory``: 100/min is
    reported); shared process-wide per key and operation like the key's own bucket."""
    return {op: bucket_for(f"{key_fingerprint}:{op}", per_minute) for op, per_minute in limits.items()}


class RequestCounter:
    """Requests sent per operation (each attempt, so retries count), safe across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def add(self, operation: str) -> None:
        with self._lock:
            self._counts[operation] = self._counts.get(operation, 0) + 1

    def get(self, operation: str, default: int = 0) -> int:
        return self._counts.get(operation, default)

    def values(self) -> list[int]:
        with self._lock:
            return list(self._counts.values())

    def total(self) -> int:
        return sum(self.values())


def reset_registry() -> None:
    """Forget every bucket (tests)."""
    with _registry_lock:
        _registry.clear()
