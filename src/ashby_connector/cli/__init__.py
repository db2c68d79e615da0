"""The ``ashby-connector`` command line (Typer + Rich).

Each command group lives in its own module and registers itself on ``app``.
"""

from __future__ import annotations

from ashby_connector.cli import (  # noqa: F401  (imported for their command registrations)
    api_commands,
    emulator_commands,
    mcp_commands,
    scim_commands,
    server_commands,
    status_commands,
    sync_commands,
    users_commands,
    webhook_commands,
)
from ashby_connector.cli._app import app


def main() -> None:
    import sys

    from ashby_connector.cli._options import modernise

    sys.argv[1:] = modernise(sys.argv[1:])
    app()


__all__ = ["app", "main"]
