"""The typed Ashby client: ``AshbyClient`` (sync) and ``AsyncAshbyClient`` (async).

Both offer ``client.<module>.<method>(...)`` for every operation (typed keyword arguments and
pydantic models), ``call()``/``request()`` for raw access, and ``pages()``/``paginate()`` for
plain-dict pagination. See ``docs/client.md``.
"""

from __future__ import annotations

from ashby_connector.client._async import AsyncAshbyClient
from ashby_connector.client._pagination import AsyncPager, SyncPager
from ashby_connector.client._rate import TokenBucket, bucket_for
from ashby_connector.client._response import AshbyResponse, Page
from ashby_connector.client._retry import RetryPolicy
from ashby_connector.client._secret import Secret
from ashby_connector.client._sync import AshbyClient
from ashby_connector.client._types import NOT_GIVEN, FileHandleInput, FileInput, HasHandle, NotGiven
from ashby_connector.types._base import AshbyModel

__all__ = [
    "NOT_GIVEN",
    "AshbyClient",
    "AshbyModel",
    "AshbyResponse",
    "AsyncAshbyClient",
    "AsyncPager",
    "FileHandleInput",
    "FileInput",
    "HasHandle",
    "NotGiven",
    "Page",
    "RetryPolicy",
    "Secret",
    "SyncPager",
    "TokenBucket",
    "bucket_for",
]
