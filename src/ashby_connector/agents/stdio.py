"""``ashby-connector mcp``: the MCP server over stdin/stdout for one connection (desktop agents)."""

from __future__ import annotations

from typing import Any

from mcp.server.context import ServerRequestContext

from ashby_connector.agents.tools import build_server
from ashby_connector.core import ConnectionRow
from ashby_connector.core.app import Core
from ashby_connector.core.errors import CoreError


def connection_for(core: Core, connection_id: str) -> ConnectionRow:
    """The connection the command serves; whoever can open the store may name any of them."""
    row = core.connections.find(connection_id) if len(connection_id) <= 255 else None
    if row is None:
        raise CoreError(404, "connection_not_found", "no such connection in this store", "--connection")
    return row


def serve_stdio(core: Core, connection_id: str, *, writes: bool) -> None:
    """Answer MCP requests on stdin/stdout until the agent closes them."""
    conn = connection_for(core, connection_id)

    def scope(_ctx: ServerRequestContext[Any, Any]) -> ConnectionRow:
        # Read again per call: a connection deleted (or its requested operations changed) meanwhile
        # is seen at once.
        return connection_for(core, conn.id)

    build_server(core, scope, writes=writes).run("stdio")
