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


@app.callback()
def _options(
    log_format: str | None = typer.Option(
        None,
        "--log-format",
        envvar="ASHBY_CONNECTOR_LOG_FORMAT",
        help="Logs on stderr as json (one object a line) or console; long-running commands "
        "(serve, worker run, sync --every) log as console by default.",
    ),
) -> None:
    """Options for every command (give them before the command's name)."""
    if log_format is not None:
        if log_format not in ("json", "console"):
            raise typer.BadParameter("use json or console", param_hint="--log-format")
        from ashby_connector.core import logs

        logs.configure(log_format)  # type: ignore[arg-type]


def long_running_logs() -> None:
    """Console logs for commands that run until stopped, unless --log-format chose already."""
    import logging

    from ashby_connector.core import logs

    if not any(getattr(h, "_ashby_connector", False) for h in logging.getLogger(logs.ROOT).handlers):
        logs.configure("console")
