"""ashby-connector: a self-hostable connector for the Ashby ATS.

    >>> from ashby_connector import AshbyClient, AsyncAshbyClient, APIError   # doctest: +SKIP

The client names are loaded on first use, so ``import ashby_connector.catalog`` (the emulator's
only dependency) stays light and never imports httpx or pydantic; the errors import nothing heavy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ashby_connector.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AshbyError,
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    OperationNotSupportedError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    SyncTokenExpiredError,
    UnexpectedResponseError,
    UnknownOperationError,
)

if TYPE_CHECKING:
    from ashby_connector.client import AshbyClient, AsyncAshbyClient, Page, RetryPolicy

_CLIENT_NAMES = ("AshbyClient", "AsyncAshbyClient", "Page", "RetryPolicy")
_LAZY = dict.fromkeys(_CLIENT_NAMES, "ashby_connector.client")

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AshbyClient",
    "AshbyError",
    "AsyncAshbyClient",
    "AuthenticationError",
    "ConflictError",
    "InvalidInputError",
    "NotFoundError",
    "OperationNotSupportedError",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "RetryPolicy",
    "ServerError",
    "SyncTokenExpiredError",
    "UnexpectedResponseError",
    "UnknownOperationError",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ashby_connector' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
