"""The ASGI application: auth, limits, faults, validation, dispatch and Ashby's envelopes.

A bare ASGI callable (no framework routing) because two faults need raw control of the
connection (a truncated body, a reset) and because serving pre-serialised pages is the hot path.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from ashby_connector import catalog
from ashby_connector.emulator.config import EmulatorConfig
from ashby_connector.emulator.control.api import handle_control
from ashby_connector.emulator.errors import ApiError
from ashby_connector.emulator.handlers.context import Ctx, UploadedFile
from ashby_connector.emulator.handlers.lookups import validation_body
from ashby_connector.emulator.handlers.pagination import RawEnvelope
from ashby_connector.emulator.handlers.registry import Results, dispatch, load_handlers
from ashby_connector.emulator.organisation import Emulator
from ashby_connector.emulator.records.schema import SchemaError, validate

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

ASHBY_VERSION = "2026-01-01"


class ConnectionReset(Exception):
    """Raised inside the app to make the server drop the connection (the ``reset`` fault)."""


def error_body(exc: ApiError, request_id: str) -> bytes:
    info: dict[str, Any] = {"code": exc.code, "message": exc.message, "requestId": request_id}
    if exc.meta:
        info["meta"] = exc.meta
    return orjson.dumps({"success": False, "errorInfo": info, "errors": [exc.code]})


def success_body(value: Any) -> bytes:
    if isinstance(value, RawEnvelope):
        return value.body
    if isinstance(value, Results):
        env: dict[str, Any] = {"success": True, "results": value.value, **value.extra}
        if value.warnings:
            env["warnings"] = value.warnings
        return orjson.dumps(env)
    return orjson.dumps({"success": True, "results": value})


class EmulatorApp:
    """``create_app(config)`` returns one of these; ``.emulator`` holds the state."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif msg["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path == "/scim/v2" or path.startswith("/scim/v2/"):
            # SCIM 2.0 (the directory sync): its own app, which reads the body itself.
            from ashby_connector.emulator.scim.app import scim_app, scim_scope

            app = scim_app(self.emulator.state, self.emulator.scim_token)
            await app(scim_scope(scope), receive, send)  # type: ignore[arg-type]
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        body = await _read_body(receive)
        request_id = uuid.uuid4().hex
        if path.startswith("/_emulator/"):
            status, payload = handle_control(self.emulator, path[len("/_emulator/") :], headers, body)
            await _respond(send, status, orjson.dumps(payload), request_id)
            return
        if path.startswith("/_files/"):
            # The upload/download URLs file.createFileUploadHandle and file.info hand out.
            from ashby_connector.emulator.delivery.file_urls import serve_files

            await serve_files(self.emulator.state, scope, headers, body, send)
            return
        if scope["method"] != "POST":
            err = ApiError("method_not_allowed", "Ashby's API only accepts POST", http_status=405)
            await _respond(send, 405, error_body(err, request_id), request_id)
            return
        await self._api(path.lstrip("/"), headers, body, send, request_id)

    async def _api(
        self, name: str, headers: dict[str, str], body: bytes, send: Send, request_id: str
    ) -> None:
        emu = self.emulator
        state = emu.state
        emu.requests_received[name[:100]] += 1
        try:
            key = _authenticate(emu, headers)
            emu.rate_limiter.check(key.key, name)
        except ApiError as exc:
            await _respond(send, exc.http_status, error_body(exc, request_id), request_id, exc.headers)
            return
        fault, rule = emu.faults.draw(name)
        if rule.latency_ms:
            await asyncio.sleep(rule.latency_ms / 1000)
        if fault is not None and await _inject(fault, rule.hang_s, send, request_id):
            return
        try:
            op = catalog.operation(name)
        except catalog.UnknownOperationError:
            err = ApiError("unknown_endpoint", f"No endpoint {name}", http_status=404)
            await _respond(send, 404, error_body(err, request_id), request_id)
            return
        try:
            if op.permission and op.permission not in key.permissions:
                raise ApiError(
                    "missing_endpoint_permission",
                    f"The API key is missing the {op.permission} permission",
                    http_status=403,
                    meta={"permission": op.permission},
                )
            parsed, files = _parse_body(op, headers, body)
            try:
                # A multipart upload carries the file instead of the handle the JSON form requires.
                schema = op.multipart_schema if files else op.request_schema
                validate(schema, validation_body(op, parsed, files))
            except SchemaError as err:
                raise ApiError("invalid_input", str(err), field=err.field or None) from None
            ctx = Ctx(op, parsed, state, key, request_id, files=files, headers=headers)
            with state.lock:
                result = dispatch(ctx)
            payload = success_body(result)
            status = 200
        except ApiError as exc:
            status, payload = exc.http_status, error_body(exc, request_id)
        except Exception:  # a bug in a handler must still answer like Ashby, never hang up
            import logging

            logging.getLogger(__name__).exception("emulator handler failed for %s", name)
            bug = ApiError("generic_internal_error", "Internal error", http_status=500)
            status, payload = 500, error_body(bug, request_id)
        await _respond(send, status, payload, request_id)


def _authenticate(emu: Emulator, headers: dict[str, str]) -> Any:
    auth = headers.get("authorization", "")
    if not auth.lower().startswith("basic "):
        raise ApiError("unauthenticated", "Missing API key (HTTP Basic, key as username)", http_status=401)
    try:
        decoded = base64.b64decode(auth[6:].strip()).decode()
    except (ValueError, UnicodeDecodeError):
        raise ApiError("unauthenticated", "Malformed Basic credentials", http_status=401) from None
    username = decoded.split(":", 1)[0]
    if not username:
        raise ApiError("unauthenticated", "Missing API key", http_status=401)
    key = emu.state.keys.get(username)
    if key is None or not key.enabled:
        raise ApiError("invalid_api_key", "The API key is not valid or was deactivated", http_status=403)
    return key


def _parse_body(
    op: catalog.Operation, headers: dict[str, str], body: bytes
) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    ctype = headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        return _parse_multipart(ctype, body)
    if not body.strip():
        return {}, {}
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ApiError("invalid_input", "The body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise ApiError("invalid_input", "The body must be a JSON object")
    return parsed, {}


def _parse_multipart(ctype: str, body: bytes) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Minimal multipart/form-data parsing (the deprecated upload endpoints)."""
    from email.parser import BytesParser
    from email.policy import HTTP

    msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
    fields: dict[str, Any] = {}
    files: dict[str, UploadedFile] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if filename is not None:
            files[name] = UploadedFile(filename, part.get_content_type(), data)
        else:
            text = data.decode("utf-8", "replace")
            try:
                fields[name] = orjson.loads(text)
            except orjson.JSONDecodeError:
                fields[name] = text
    return fields, files


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        msg = await receive()
        if msg["type"] != "http.request":
            break
        chunks.append(msg.get("body", b""))
        if not msg.get("more_body"):
            break
    return b"".join(chunks)


def _headers(length: int, request_id: str, extra: dict[str, str] | None = None) -> list[tuple[bytes, bytes]]:
    out = [
        (b"content-type", b"application/json"),
        (b"content-length", str(length).encode()),
        (b"x-ashby-request-id", request_id.encode()),
        (b"ashby-version", ASHBY_VERSION.encode()),
        (b"ashby-version-status", b"active"),
    ]
    for k, v in (extra or {}).items():
        out.append((k.lower().encode(), v.encode()))
    return out


async def _respond(
    send: Send, status: int, payload: bytes, request_id: str, extra: dict[str, str] | None = None
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": _headers(len(payload), request_id, extra),
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def _inject(fault: str, hang_s: float, send: Send, request_id: str) -> bool:
    """Apply one fault; True when the response was already sent (or the connection dropped)."""
    if fault in ("500", "502", "503"):
        exc = ApiError("generic_internal_error", f"Injected {fault}", http_status=int(fault))
        await _respond(send, int(fault), error_body(exc, request_id), request_id)
        return True
    if fault == "429":
        exc = ApiError("rate_limit_exceeded", "Injected rate limit", http_status=429)
        await _respond(send, 429, error_body(exc, request_id), request_id)
        return True
    if fault == "timeout":
        await asyncio.sleep(hang_s)
        exc = ApiError("generic_internal_error", "Injected timeout", http_status=504)
        await _respond(send, 504, error_body(exc, request_id), request_id)
        return True
    if fault == "truncate":
        payload = b'{"success":true,"results":[{"id":"'
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": _headers(len(payload) + 4096, request_id),
            }
        )
        await send({"type": "http.response.body", "body": payload, "more_body": True})
        transport = getattr(getattr(send, "__self__", None), "transport", None)
        if transport is not None and hasattr(transport, "close"):
            # Close once the partial body is flushed: the client sees fewer bytes than announced.
            transport.close()
            return True
        raise ConnectionReset("injected truncated body")
    if fault == "reset":
        # uvicorn's ``send`` is a bound method of the request cycle, which holds the transport:
        # aborting it drops the TCP connection before any response byte, like a real reset.
        transport = getattr(getattr(send, "__self__", None), "transport", None)
        if transport is not None and hasattr(transport, "abort"):
            transport.abort()
            return True
        await send({"type": "http.response.start", "status": 200, "headers": _headers(1, request_id)})
        raise ConnectionReset("injected connection reset")
    return False


def create_app(config: EmulatorConfig | None = None, *, emulator: Emulator | None = None) -> EmulatorApp:
    """The ASGI app of a new emulated organisation (or of ``emulator`` when given). Every handler
    module is imported now, and every control action with this module: a missing or broken one
    stops the emulator here, loudly."""
    load_handlers()
    return EmulatorApp(emulator or Emulator(config))
