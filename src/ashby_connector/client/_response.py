"""What a successful call returns, before any model parsing (plain dicts, fast path)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ashby_connector.client._lazy import LazyRecords

T = TypeVar("T")
U = TypeVar("U")


@dataclass(slots=True)
class AshbyResponse:
    """One decoded success envelope: ``{"success": true, "results": ..., ...}``."""

    raw: dict[str, Any]
    request_id: str | None = None

    @property
    def results(self) -> Any:
        return self.raw.get("results")

    @property
    def more_data_available(self) -> bool:
        return bool(self.raw.get("moreDataAvailable", False))

    @property
    def next_cursor(self) -> str | None:
        value = self.raw.get("nextCursor")
        return value if isinstance(value, str) and value else None

    @property
    def sync_token(self) -> str | None:
        value = self.raw.get("syncToken")
        return value if isinstance(value, str) and value else None

    @property
    def warnings(self) -> list[Any]:
        value = self.raw.get("warnings")
        return list(value) if isinstance(value, list) else []


@dataclass(slots=True)
class Page(Generic[T]):
    """One page of a list call.

    ``sync_token`` is set on the last page only: store it (after storing the page) and pass it to
    the next incremental run. ``cursor`` is the cursor that fetched this page.
    """

    results: list[T]
    more_data_available: bool = False
    next_cursor: str | None = None
    sync_token: str | None = None
    cursor: str | None = None
    request_id: str | None = None
    warnings: list[Any] = field(default_factory=list)

    @property
    def is_last(self) -> bool:
        return not (self.more_data_available and self.next_cursor)

    def map(self, item: Callable[[T], U], label: str = "") -> Page[U]:
        """This page with each record turned into ``item(record)`` when first read (see
        ``LazyRecords``); ``label`` names the page in a validation error."""
        return Page(
            results=LazyRecords(self.results, item, label),
            more_data_available=self.more_data_available,
            next_cursor=self.next_cursor,
            sync_token=self.sync_token,
            cursor=self.cursor,
            request_id=self.request_id,
            warnings=self.warnings,
        )

    def __iter__(self) -> Iterator[T]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    @classmethod
    def from_response(cls, response: AshbyResponse, cursor: str | None) -> Page[Any]:
        results = response.results
        if results is None:
            results = []
        elif not isinstance(results, list):
            results = [results]
        return Page(
            results=results,
            more_data_available=response.more_data_available,
            next_cursor=response.next_cursor,
            sync_token=response.sync_token,
            cursor=cursor,
            request_id=response.request_id,
            warnings=response.warnings,
        )
