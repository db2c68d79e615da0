"""The one pagination abstraction: walk ``cursor``/``nextCursor`` pages, surface the ``syncToken``.

``SyncPager`` and ``AsyncPager`` share the body arithmetic below and differ only in how a page is
fetched (a function given by the client). Iterating a pager yields records across every page;
``.pages()`` yields whole pages (to store a page and its cursor together). After the last page is
read, ``.sync_token`` holds the token to store for the next incremental run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar

from ashby_connector.client._response import Page

T = TypeVar("T")

DEFAULT_LIMIT = 100


def first_body(
    body: Mapping[str, Any] | None,
    *,
    sync_token: str | None = None,
    cursor: str | None = None,
    limit: int | None = DEFAULT_LIMIT,
) -> dict[str, Any]:
    out = dict(body or {})
    if limit is not None:
        out.setdefault("limit", limit)
    if sync_token is not None:
        out["syncToken"] = sync_token
    if cursor is not None:
        out["cursor"] = cursor
    return out


def next_body(body: Mapping[str, Any], page: Page[Any]) -> dict[str, Any] | None:
    """The body that fetches the page after ``page``, or None when ``page`` was the last."""
    if page.is_last or page.next_cursor == page.cursor:
        return None  # a cursor that does not move would loop forever
    out = dict(body)
    out["cursor"] = page.next_cursor
    return out


class _PagerState:
    __slots__ = ("body", "done", "pages_read", "sync_token")

    def __init__(self, body: dict[str, Any]) -> None:
        self.body: dict[str, Any] | None = body
        self.sync_token: str | None = None
        self.done = False
        self.pages_read = 0

    def advance(self, page: Page[Any]) -> None:
        assert self.body is not None
        self.pages_read += 1
        self.body = next_body(self.body, page)
        if self.body is None:
            self.done = True
            self.sync_token = page.sync_token


class _Pager:
    """What both pagers expose besides iteration."""

    def __init__(self, body: dict[str, Any]) -> None:
        self._state = _PagerState(body)

    @property
    def sync_token(self) -> str | None:
        """The new syncToken, once the last page has been read (None before)."""
        return self._state.sync_token

    @property
    def done(self) -> bool:
        return self._state.done

    @property
    def pages_read(self) -> int:
        return self._state.pages_read


class SyncPager(_Pager, Generic[T]):
    """Every record of a list operation, page after page (sync)."""

    def __init__(self, fetch: Callable[[dict[str, Any]], Page[T]], body: dict[str, Any]) -> None:
        super().__init__(body)
        self._fetch = fetch

    def pages(self) -> Iterator[Page[T]]:
        state = self._state
        while not state.done and state.body is not None:
            page = self._fetch(state.body)
            state.advance(page)
            yield page

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.results

    def to_list(self) -> list[T]:
        return list(self)


class AsyncPager(_Pager, Generic[T]):
    """Every record of a list operation, page after page (async: ``async for``)."""

    def __init__(self, fetch: Callable[[dict[str, Any]], Awaitable[Page[T]]], body: dict[str, Any]) -> None:
        super().__init__(body)
        self._fetch = fetch

    async def pages(self) -> AsyncIterator[Page[T]]:
        state = self._state
        while not state.done and state.body is not None:
            page = await self._fetch(state.body)
            state.advance(page)
            yield page

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.results:
                yield item

    async def to_list(self) -> list[T]:
        return [item async for item in self]
