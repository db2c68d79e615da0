from __future__ import annotations

import typer

app = typer.Typer(
    name="ashby-connector",
    help="Self-hostable connector for the Ashby ATS: client, emulator, sync, server, webhooks.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals could hold an API key
)


@app.command()
def version() -> None:
    """Print the installed version."""
    from importlib.metadata import version as _version

    typer.echo(_version("ashby-connector"))
