"""The emulator's own file URLs: ``POST /_files/upload/<token>`` and ``GET /_files/download/<handle>``.

They stand in for the S3 bucket behind Ashby's presigned URLs, so they answer like it: 204 on a
stored upload, the raw bytes on a download, 403 on an expired or tampered URL.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs, unquote

import orjson

from ashby_connector.emulator.delivery.files import FileError, parse_multipart
from ashby_connector.emulator.delivery.services import file_store
from ashby_connector.emulator.records.state import State

Answer = tuple[int, dict[str, str], bytes]


def handle_files(
    state: State, method: str, path: str, query: str, headers: dict[str, str], body: bytes
) -> Answer:
    """Answer one request under ``/_files/``; ``path`` is what follows that prefix."""
    store = file_store(state)
    action, _, rest = path.partition("/")
    try:
        if action == "upload" and method == "POST":
            try:
                parts = parse_multipart(body, headers.get("content-type", ""))
            except ValueError as exc:
                raise FileError(400, "MalformedPOSTRequest", str(exc)) from None
            store.accept_upload(rest, parts)
            return 204, {}, b""
        if action == "download" and method in ("GET", "HEAD"):
            params = parse_qs(query)
            stored = store.open_download(
                unquote(rest), params.get("expires", [None])[0], params.get("signature", [None])[0]
            )
            out_headers = {
                "content-type": stored.content_type or "application/octet-stream",
                "content-disposition": f'attachment; filename="{stored.filename}"',
            }
            return 200, out_headers, b"" if method == "HEAD" else stored.data
        raise FileError(405 if action in ("upload", "download") else 404, "NotFound", "no such file URL")
    except FileError as exc:
        payload = orjson.dumps({"error": exc.code, "message": exc.message})
        return exc.status, {"content-type": "application/json"}, payload


async def serve_files(
    state: State,
    scope: MutableMapping[str, Any],
    headers: dict[str, str],
    body: bytes,
    send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
) -> None:
    """The ASGI side of ``handle_files`` (the app routes ``/_files/`` here)."""
    path = str(scope["path"])[len("/_files/") :]
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    status, extra, payload = handle_files(state, str(scope["method"]), path, query, headers, body)
    out = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()]
    out.append((b"content-length", str(len(payload)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": out})
    await send({"type": "http.response.body", "body": payload})
