"""``AsyncAshbyClient``: the asynchronous client (the I/O half; the logic lives in ``_base``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, TypeVar

import httpx

from ashby_connector.client._base import BaseClient, shared_ssl_context
from ashby_connector.client._files import multipart_parts, upload_parts
from ashby_connector.client._pagination import DEFAULT_LIMIT, AsyncPager, first_body
from ashby_connector.client._response import AshbyResponse, Page
from ashby_connector.client._secret import Secret
from ashby_connector.client._types import FileInput
from ashby_connector.client.resources import AsyncNamespaces
from ashby_connector.errors import APIError, AuthenticationError

T = TypeVar("T")


class AsyncAshbyClient(AsyncNamespaces, BaseClient):
    """Asynchronous client for every Ashby API operation.

    >>> client = AsyncAshbyClient("key", base_url="http://127.0.0.1:8000")   # doctest: +SKIP
    >>> async for candidate in client.candidate.list_all():             # doctest: +SKIP
    ...     print(candidate.name)

    ``api_key`` defaults to ``$ASHBY_API_KEY`` and ``base_url`` to ``$ASHBY_BASE_URL``, else Ashby's.
    ``rate_limit_per_minute=None`` turns the shared
    rate budget off; ``operation_rate_limits={"application.listHistory": 100}`` gives lists their
    own lower budget on top of it. ``http_client`` lets you pass your own ``httpx.AsyncClient``
    (proxies, transports); it is then yours to close. Use ``async with`` or ``await client.aclose()``.
    """

    def __init__(
        self,
        api_key: str | Secret | None = None,
        *,
        http_client: httpx.AsyncClient | None = None,
        **settings: Any,
    ) -> None:
        super().__init__(api_key, **settings)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            timeout=self.timeout, follow_redirects=False, verify=shared_ssl_context()
        )

    # -- lifecycle -------------------------------------------------------------------------
    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def aclose(self) -> None:
        await self.close()

    async def __aenter__(self) -> AsyncAshbyClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- raw access ------------------------------------------------------------------------
    async def request(self, operation: str, body: Mapping[str, Any] | None = None) -> AshbyResponse:
        """Call ``operation`` and return the whole success envelope."""
        return await self._send(operation, content=self._encode(body))

    async def call(self, operation: str, body: Mapping[str, Any] | None = None) -> Any:
        """Call any operation (``"candidate.info"``) and return its raw ``results``."""
        return (await self._send(operation, content=self._encode(body))).results

    def pages(
        self,
        operation: str,
        body: Mapping[str, Any] | None = None,
        *,
        sync_token: str | None = None,
        cursor: str | None = None,
        limit: int | None = DEFAULT_LIMIT,
    ) -> AsyncIterator[Page[dict[str, Any]]]:
        """Every page of a list operation, as plain dicts (no model parsing)."""
        return self.paginate(operation, body, sync_token=sync_token, cursor=cursor, limit=limit).pages()

    def paginate(
        self,
        operation: str,
        body: Mapping[str, Any] | None = None,
        *,
        sync_token: str | None = None,
        cursor: str | None = None,
        limit: int | None = DEFAULT_LIMIT,
    ) -> AsyncPager[dict[str, Any]]:
        """Every record of a list operation as plain dicts; ``.sync_token`` once exhausted."""
        start = first_body(body, sync_token=sync_token, cursor=cursor, limit=limit)
        return AsyncPager(lambda b: self._fetch_page(operation, b), start)

    # -- used by the generated resources ---------------------------------------------------
    async def _results(self, operation: str, body: Mapping[str, Any]) -> Any:
        return (await self._send(operation, content=self._encode(body))).results

    async def _fetch_page(self, operation: str, body: Mapping[str, Any]) -> Page[Any]:
        response = await self._send(operation, content=self._encode(body))
        return Page.from_response(response, body.get("cursor"))

    async def _typed_page(self, operation: str, body: Mapping[str, Any], item: Callable[[Any], T]) -> Page[T]:
        return (await self._fetch_page(operation, body)).map(item, f"a {operation} page")

    def _pager(self, operation: str, body: dict[str, Any], item: Callable[[Any], T]) -> AsyncPager[T]:
        body.setdefault("limit", DEFAULT_LIMIT)
        return AsyncPager(lambda b: self._typed_page(operation, b, item), body)

    async def _multipart(
        self, operation: str, body: Mapping[str, Any], files: Mapping[str, FileInput]
    ) -> Any:
        data, parts = multipart_parts(body, files)
        return (await self._send(operation, data=data, files=parts)).results

    async def _upload_to_storage(
        self, url: str, fields: Mapping[str, Any], file: tuple[str, bytes, str]
    ) -> None:
        # A third-party storage URL: no Ashby credentials go with it.
        try:
            response = await self._http.post(url, files=upload_parts(fields, file), timeout=self.timeout)
        except httpx.TransportError as exc:
            raise self._wrap_transport_error(exc, "file upload") from None
        self._check_storage_response(response, "Uploading the file to Ashby's storage")

    async def _download(self, url: str) -> bytes:
        try:
            response = await self._http.get(url, follow_redirects=True, timeout=self.timeout)
        except httpx.TransportError as exc:
            raise self._wrap_transport_error(exc, "file download") from None
        self._check_storage_response(response, "Downloading the file")
        return response.content

    # -- the send loop ---------------------------------------------------------------------
    async def _send(
        self,
        operation: str,
        *,
        content: bytes | None = None,
        data: dict[str, str] | None = None,
        files: dict[str, Any] | None = None,
    ) -> AshbyResponse:
        url = self._url(operation)
        is_read = self._is_read(operation)
        attempt = 0
        started = time.monotonic()
        while True:
            # Per attempt: a rotated key (``follow_key``) is used from the next request on.
            headers = self._headers(json=files is None)
            while (wait := self._rate_wait(operation)) > 0:
                await asyncio.sleep(wait)
            try:
                response = await self._http.post(
                    url, content=content, data=data, files=files, headers=headers, timeout=self.timeout
                )
                return self._read_response(operation, response)
            except httpx.TransportError as exc:
                delay = self._retry_delay(exc, attempt, is_read=is_read, since=started)
                if delay is None:
                    raise self._wrap_transport_error(exc, operation) from None
            except APIError as exc:
                if isinstance(exc, AuthenticationError) and self._key_rotated(headers):
                    continue  # refused the old key while the connection's key was rotated
                delay = self._retry_delay(exc, attempt, is_read=is_read, since=started)
                if delay is None:
                    raise
            await asyncio.sleep(delay)
            attempt += 1
