"""Observers of the requests a client sends (metrics, logs): told after each answer and retry.

``add_observer(obj)``: ``obj.response(event)`` after each answer from Ashby (or a transport
failure, ``status`` 0) and ``obj.retry(operation, reason)`` before each retry. Observers must be
quick and must not raise; a failing observer is dropped from that call only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("ashby_connector.client")


@dataclass(frozen=True, slots=True)
class ResponseEvent:
    operation: str
    status: int  # HTTP status; 0 when no answer came (timeout, connection error)
    request_id: str | None  # Ashby's x-ashby-request-id
    connection_id: str | None  # the client's label, when its owner set one
    rate_limit_scope: str | None = None  # X-RateLimit-Scope on a 429
    error_code: str | None = None


class ClientObserver(Protocol):
    def response(self, event: ResponseEvent) -> None: ...

    def retry(self, operation: str, reason: str) -> None: ...


_observers: list[ClientObserver] = []


def add_observer(observer: ClientObserver) -> None:
    if observer not in _observers:
        _observers.append(observer)


def remove_observer(observer: ClientObserver) -> None:
    if observer in _observers:
        _observers.remove(observer)


def notify_response(event: ResponseEvent) -> None:
    for observer in list(_observers):
        try:
            observer.response(event)
        except Exception:
            log.exception("client observer failed")


def notify_retry(operation: str, reason: str) -> None:
    for observer in list(_observers):
        try:
            observer.retry(operation, reason)
        except Exception:
            log.exception("client observer failed")
