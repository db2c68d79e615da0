"""When to retry, and how long to wait: one policy shared by the sync and async clients.

Reads are POSTs too but change nothing, so any failure may be retried. A write is retried only when
Ashby certainly did not process it: the connection was never made, or Ashby refused it with a
rate limit (429 / ``rate_limit_exceeded``). A timeout or 5xx on a write might have applied it, so
the error goes to the caller instead of risking a duplicate.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx

from ashby_connector.errors import APIError, RateLimitError, ServerError, UnexpectedResponseError


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retry settings. ``max_retries=0`` turns retries off."""

    max_retries: int = 4
    initial_delay: float = 0.5
    max_delay: float = 30.0
    jitter: float = 0.5  # fraction of the delay randomised away, so clients do not retry in step
    max_retry_after: float = 120.0  # never trust a Retry-After longer than this
    # Seconds after the first attempt past which no retry starts (None: only max_retries counts).
    give_up_after: float | None = None

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, self.max_retry_after)
        base = min(self.max_delay, self.initial_delay * (2.0**attempt))
        return base * (1 - self.jitter * random.random())


def _never_reached_ashby(exc: BaseException) -> bool:
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def should_retry(exc: BaseException, *, is_read: bool) -> bool:
    """Is it safe and useful to send this request again after ``exc``?"""
    if isinstance(exc, RateLimitError):
        return True  # refused unprocessed, read or write
    if isinstance(exc, httpx.TransportError):
        return is_read or _never_reached_ashby(exc)
    if isinstance(exc, UnexpectedResponseError):
        return is_read and exc.http_status >= 500  # a proxy's error page may pass; a wrong URL will not
    if isinstance(exc, ServerError):
        return is_read
    if isinstance(exc, APIError):
        return False
    return False


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    import datetime as _dt

    return max(0.0, (when - _dt.datetime.now(_dt.UTC)).total_seconds())
