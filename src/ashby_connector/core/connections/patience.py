"""Waiting on an Ashby that cannot be reached: the client arguments of a command that keeps
retrying for a while, and observers told of every answer and retry of every client in the process
(the command line says on stderr that Ashby cannot be reached, and when it answers again)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from ashby_connector.client import _hooks
from ashby_connector.client._base import DEFAULT_TIMEOUT
from ashby_connector.client._hooks import ClientObserver, ResponseEvent
from ashby_connector.client._retry import RetryPolicy

__all__ = ["ClientObserver", "ResponseEvent", "observing", "patient"]


def patient(give_up_after: float, connect_timeout: float) -> dict[str, Any]:
    """Client arguments: retry for ``give_up_after`` seconds, each connection attempt at most
    ``connect_timeout`` (a slow answer keeps the usual request timeout)."""
    return {
        "retry_policy": RetryPolicy(max_retries=1_000, max_delay=5.0, give_up_after=give_up_after),
        "timeout": httpx.Timeout(DEFAULT_TIMEOUT, connect=connect_timeout),
    }


@contextmanager
def observing(observer: ClientObserver) -> Iterator[None]:
    """While inside, ``observer.response(event)`` and ``observer.retry(operation, reason)`` are
    called for every client's answers and retries."""
    _hooks.add_observer(observer)
    try:
        yield
    finally:
        _hooks.remove_observer(observer)
