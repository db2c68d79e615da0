"""Pure ASGI guards: bodies over the limit answer 413, URLs over theirs 414, before any handler.

A declared ``Content-Length`` over the limit is refused at once; a chunked body is read up to the
limit (bodies here are small JSON), then replayed to the app, so no handler can swallow the refusal.
A URL (path and query) over ``MAX_URL_BYTES`` answers 414; uvicorn is given room for a request
line and headers of ``MAX_REQUEST_HEAD_BYTES`` so that such a URL reaches this guard instead of
having the connection dropped.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ashby_connector.core.errors import envelope
from ashby_connector.server.http_protocol import URL_BYTES

# The longest URL any route needs is an ``ids`` list of 30,000 characters; 64 KB is ample.
MAX_URL_BYTES = 64 * 1024
# uvicorn (h11) reads a request's head up to this size; beyond it, it answers 400 itself.
MAX_REQUEST_HEAD_BYTES = 1024 * 1024


class UrlLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_URL_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            size = len(scope.get("raw_path") or scope.get("path", "").encode())
            size += len(scope.get("query_string") or b"")
            size = max(size, scope.get(URL_BYTES, 0))  # a URL the HTTP parser could not take
            if size > self.max_bytes:
                message = f"the URL exceeds {self.max_bytes} bytes"
                await _refuse(send, 414, envelope("uri_too_long", message, "url"))
                return
        await self.app(scope, receive, send)


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _too_large(send, self.max_bytes)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # disconnect: let the app see it
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await _too_large(send, self.max_bytes)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)


async def _too_large(send: Send, limit: int) -> None:
    await _refuse(send, 413, envelope("body_too_large", f"the body exceeds {limit} bytes", "body"))


async def _refuse(send: Send, status: int, answer: object) -> None:
    data = orjson.dumps(answer)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
