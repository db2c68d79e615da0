"""``/mcp`` on the REST server: the MCP server over streamable HTTP, one tenant per request.

Every request is authenticated as the REST API's are (``Authorization: Bearer <platform key>``)
and names its connection with ``X-Connection-Id``; another tenant's connection is answered like
an unknown one. Requests are stateless (no MCP session is kept between them), so each is checked on
its own and any number of server processes can answer them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from mcp.server.context import ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import Receive, Scope, Send

from ashby_connector.agents.tools import build_server
from ashby_connector.core import ConnectionRow
from ashby_connector.core.app import Core
from ashby_connector.core.errors import CoreError

# Where the authenticated connection rides from this wrapper to the tools, in the ASGI scope.
SCOPE_KEY = "ashby_connector.connection"


class McpEndpoint:
    """The ASGI app the server routes ``/mcp`` to; ``running()`` must wrap the server's life."""

    def __init__(self, core: Core, *, writes: bool) -> None:
        self.core = core
        self.server = build_server(core, _connection_of, writes=writes)
        self.manager = self._new_manager()

    def _new_manager(self) -> StreamableHTTPSessionManager:
        # The Bearer key is what protects this endpoint (a browser tricked by DNS rebinding cannot
        # send it), and the server may be reached under any host name: no Host/Origin allowlist.
        self.server.streamable_http_app(
            stateless_http=True,
            json_response=True,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        return self.server.session_manager

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        # A manager runs once in its life, and an app may be started more than once (a second
        # test client, a reload): each start gets a fresh one.
        self.manager = self._new_manager()
        async with self.manager.run():
            yield

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            conn = await anyio.to_thread.run_sync(self._authenticate, headers)
        except CoreError as exc:
            await _refuse(send, exc)
            return
        await self.manager.handle_request({**scope, SCOPE_KEY: conn}, receive, send)

    def _authenticate(self, headers: dict[str, str]) -> ConnectionRow:
        """The tenant's connection the request names; the same refusals as the REST API's."""
        tenant = self.core.connections.authenticate(headers.get("authorization"))
        return self.core.connections.named(tenant, headers.get("x-connection-id"))


def _connection_of(ctx: ServerRequestContext[Any, Any]) -> ConnectionRow:
    request: Any = ctx.request
    conn = request.scope.get(SCOPE_KEY) if request is not None else None
    if not isinstance(conn, ConnectionRow):  # pragma: no cover - every request passes the wrapper
        raise CoreError(401, "missing_key", "this request was not authenticated", "Authorization")
    return conn


async def _refuse(send: Send, exc: CoreError) -> None:
    body = json.dumps(exc.body()).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if exc.status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": exc.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
