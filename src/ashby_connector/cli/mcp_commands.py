"""``mcp``: the MCP server for one connection over stdin/stdout (for desktop agents)."""

from __future__ import annotations

import typer

from ashby_connector.cli._app import app, fail
from ashby_connector.cli._options import DEFAULT_BASE_URL, DEFAULT_DB, BaseUrl, Db

WRITES_ENV = "ASHBY_CONNECTOR_MCP_WRITES"


@app.command()
def mcp(
    connection: str = typer.Option(..., "--connection", help="The connection whose copy the agent reads."),
    db: Db = DEFAULT_DB,
    writes: bool = typer.Option(
        False,
        "--writes",
        envvar=WRITES_ENV,
        help="Offer the write tools (add a note, move a stage, add a tag) that the connection's "
        "requested operations allow. Off by default: the agent can only read.",
    ),
    base_url: BaseUrl = DEFAULT_BASE_URL,
) -> None:
    """Serve the connection's local copy to an agent over MCP (stdin/stdout).

    Tools answer from the copy with no Ashby request and say how fresh it is; stdout carries the
    protocol, so messages go to stderr."""
    try:
        from ashby_connector.agents.stdio import connection_for, serve_stdio
    except ImportError:
        raise fail("the MCP SDK is not installed: pip install 'ashby-connector[server]'", 2) from None
    from ashby_connector.cli.server_commands import opened_core
    from ashby_connector.core.errors import CoreError

    with opened_core(db, base_url) as core:
        try:
            connection_for(core, connection)
        except CoreError as exc:
            raise typer.BadParameter(exc.message, param_hint="--connection") from None
        serve_stdio(core, connection, writes=writes)
