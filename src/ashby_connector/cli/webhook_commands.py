"""Commands registered on the shared Typer app (filled in by its part)."""

from __future__ import annotations

from ashby_connector.cli._app import app  # noqa: F401
