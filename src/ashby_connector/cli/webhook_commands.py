"""``webhooks register|unregister|status|process|deliver|run``: Ashby webhooks in, unified events out."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from ashby_connector.cli._app import CommandGroup, app, fail
from ashby_connector.cli._options import DEFAULT_BASE_URL, DEFAULT_DB, BaseUrl, Db
from ashby_connector.cli.server_commands import opened_core

if TYPE_CHECKING:
    from ashby_connector.core.app import Core

webhooks_app = CommandGroup(
    help="Receive Ashby's webhooks and deliver unified events to subscribers.", no_args_is_help=True
)
app.add_typer(webhooks_app, name="webhooks")

ConnectionOption = typer.Option(..., "--connection", help="The connection id (see `connections list`).")
TypesOption = typer.Option(
    None, "--types", help="Webhook types, comma-separated (default: all that keep the store current)."
)


@contextmanager
def _connection(connection: str, db: str, ashby_base_url: str | None) -> Iterator[Core]:
    """The core, once it knows the connection (its Ashby client: the deployment's one base URL)."""
    with opened_core(db, ashby_base_url) as core:
        if core.clients.get(connection) is None:
            raise fail(f"no connection {connection} (--connection)", 2)
        yield core


def _types(value: str | None) -> list[str] | None:
    return [t.strip() for t in value.split(",") if t.strip()] if value else None


@webhooks_app.command("register")
def register(
    connection: str = ConnectionOption,
    url: str = typer.Option(..., "--url", help="Public base URL of this server (Ashby must reach it)."),
    types: str | None = TypesOption,
    db: Db = DEFAULT_DB,
    ashby_base_url: BaseUrl = DEFAULT_BASE_URL,
) -> None:
    """Create Ashby webhook settings for the connection (a generated secret, stored encrypted)."""
    from ashby_connector.core.errors import Refusal

    with _connection(connection, db, ashby_base_url) as core:
        try:
            settings = core.ashby_webhooks.register(connection, url, _types(types))
        except Refusal as exc:
            raise fail(f"{exc} (--{exc.field})", 2) from None
    for s in settings:
        state = "enabled" if s.enabled else "DISABLED (Ashby's ping failed: is the URL reachable?)"
        typer.echo(f"{s.webhook_type}\t{s.ashby_webhook_id}\t{state}")
    typer.echo(f"Ashby sends to {settings[0].url}" if settings else "nothing registered")


@webhooks_app.command("unregister")
def unregister(
    connection: str = ConnectionOption,
    types: str | None = TypesOption,
    db: Db = DEFAULT_DB,
    ashby_base_url: BaseUrl = DEFAULT_BASE_URL,
) -> None:
    """Delete this connection's Ashby webhook settings (all, or the given types)."""
    with _connection(connection, db, ashby_base_url) as core:
        removed = core.ashby_webhooks.unregister(connection, _types(types))
    typer.echo(f"removed: {', '.join(removed) or 'nothing'}")


@webhooks_app.command("status")
def status(
    connection: str | None = typer.Option(None, "--connection", help="Only this connection (default: all)."),
    db: Db = DEFAULT_DB,
) -> None:
    """Registered settings, inbox and outbox counts."""
    with opened_core(db) as core:
        service = core.webhooks
        if connection:
            for s in service.registry.settings(connection):
                typer.echo(f"{s.webhook_type}\t{'enabled' if s.enabled else 'disabled'}\t{s.url}")
        typer.echo(f"inbox: {service.inbox.counts()}")
        typer.echo(f"outbox: {service.outbox.counts()}")
        pending = service.registry.pending_removals()
        if pending:
            typer.echo(f"settings of deleted connections still to remove in Ashby: {len(pending)}")


def _run_loops(db: str, ashby_base_url: str | None, *, process: bool, deliver: bool, once: bool) -> None:
    with opened_core(db, ashby_base_url) as core:
        _loops(core, process=process, deliver=deliver, once=once)


def _loops(core: Core, *, process: bool, deliver: bool, once: bool) -> None:
    service = core.webhooks
    try:
        if once:
            while (process and service.processor.process_pending()) or (
                deliver and service.deliverer.deliver_due()
            ):
                pass
            typer.echo(f"inbox: {service.inbox.counts()}  outbox: {service.outbox.counts()}")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        service.start(process=process, deliver=deliver)
        typer.echo("running; Ctrl-C to stop")
        try:
            while not stop.is_set():
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
    finally:
        service.stop()


OnceOption = typer.Option(False, "--once", help="Work through what is due now, then exit.")


@webhooks_app.command("process")
def process(once: bool = OnceOption, db: Db = DEFAULT_DB, ashby_base_url: BaseUrl = DEFAULT_BASE_URL) -> None:
    """Apply received Ashby webhooks to the store (the server does this too, in the background)."""
    _run_loops(db, ashby_base_url, process=True, deliver=False, once=once)


@webhooks_app.command("deliver")
def deliver(once: bool = OnceOption, db: Db = DEFAULT_DB) -> None:
    """Deliver queued unified events to subscribers, with retries."""
    _run_loops(db, None, process=False, deliver=True, once=once)


@webhooks_app.command("run")
def run(once: bool = OnceOption, db: Db = DEFAULT_DB, ashby_base_url: BaseUrl = DEFAULT_BASE_URL) -> None:
    """Process and deliver (both loops) until stopped."""
    _run_loops(db, ashby_base_url, process=True, deliver=True, once=once)
