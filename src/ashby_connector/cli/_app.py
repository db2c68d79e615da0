"""The Typer application, and how every command fails: one ``error:`` line on stderr, exit code 2
for bad input (a wrong option, a database path that cannot be opened, a key Ashby refuses) and 1
for anything else (Ashby unreachable, a failed run), never a traceback."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr; raise the returned ``typer.Exit``."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


@contextmanager
def reported_failures() -> Iterator[None]:
    """Known failures as one ``error:`` line and an exit code."""
    try:
        yield
    except Exception as exc:
        # The error classes are imported only when something failed: importing the store's errors
        # imports the store, which a command like `version` never needs (start-up time).
        from ashby_connector.core.errors import AshbyError, Refusal, SecretBoxError, StoreError

        if isinstance(exc, Refusal):
            raise fail(exc.message, 2 if exc.bad_input else 1) from None
        if isinstance(exc, StoreError | SecretBoxError):
            raise fail(str(exc), 2) from None
        if isinstance(exc, AshbyError):
            raise fail(str(exc), 1) from None
        raise


class CommandGroup(typer.Typer):
    """``typer.Typer`` whose commands report failures with ``reported_failures``."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        def decorate(function: F) -> F:
            from ashby_connector.cli._examples import example_for

            example = example_for(function.__module__, function.__name__)
            register = super(CommandGroup, self).command(
                *args, **({"epilog": example, **kwargs} if example else kwargs)
            )

            @functools.wraps(function)
            def run(*a: Any, **k: Any) -> Any:
                with reported_failures():
                    return function(*a, **k)

            register(run)
            return function

        return decorate


app = CommandGroup(
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
        from ashby_connector.core.runtime import logs

        logs.configure(log_format)  # type: ignore[arg-type]


def long_running_logs() -> None:
    """Console logs for commands that run until stopped, unless --log-format chose already."""
    import logging

    from ashby_connector.core.runtime import logs

    if not any(getattr(h, "_ashby_connector", False) for h in logging.getLogger(logs.ROOT).handlers):
        logs.configure("console")
