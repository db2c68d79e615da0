"""``status``: schedules, last runs and per-stream freshness of the connections in a store."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ashby_connector.cli._app import app
from ashby_connector.cli._options import DEFAULT_DB, Db
from ashby_connector.cli._tables import show

if TYPE_CHECKING:  # the store is imported when a command runs (fast --help)
    pass

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNIT_SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str, option: str) -> float:
    """``15m``, ``30s``, ``2h``, ``1d`` (a bare number is minutes) -> seconds; BadParameter if not."""
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise typer.BadParameter(f"{text!r} is not a duration such as 30s, 15m, 2h or 1d", param_hint=option)
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2) or "m"]


def _lag(seconds: float | None) -> str:
    if seconds is None:
        return "never synced"
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def status_table(status: dict[str, Any]) -> Table:
    """One row per stream: mode, records, lag, last success, next run, last error."""
    from ashby_connector.core.freshness.status import UNSYNCED_MODES

    unsynced_modes = UNSYNCED_MODES.values()
    table = Table(title=f"sync status of {status['connectionId']}", title_justify="left")
    # Without any error, the last-error column says nothing: left out, the table fits a terminal.
    errors = any(s["lastError"] for s in status["streams"])
    names = ["stream", "mode", "records", "lag", "last success", "next run", "child policy"]
    for name in [*names, "last error"] if errors else names:
        table.add_column(name, justify="right" if name in ("records", "lag") else "left", overflow="fold")
    today = datetime.now(UTC).date()
    for s in status["streams"]:
        # Child lists no run fetches (``on read``, ``off``) have neither a lag nor a next run.
        unsynced = s["mode"] in unsynced_modes
        row = [
            s["stream"],
            s["mode"],
            f"{s['records']:,}",
            "-" if unsynced else _lag(s["lagSeconds"]),
            _when(s["lastSuccessAt"], today) or "-",
            "-" if unsynced else _when(s["nextRunAt"], today) or "paused",
            s["childPolicy"] or "",
        ]
        table.add_row(*row, *([(s["lastError"] or "")[:200]] if errors else []))
    return table


def _when(iso: str | None, today: date) -> str | None:
    """A time of today as HH:MM:SS (UTC); another day's with its date."""
    if not iso:
        return None
    at = datetime.fromisoformat(iso).astimezone(UTC)
    return f"{at:%H:%M:%S}" if at.date() == today else f"{at:%Y-%m-%d %H:%M}"


@app.command()
def status(
    db: Db = DEFAULT_DB,
    connection: Annotated[
        str | None, typer.Option(help="One connection id (default: every connection in the store).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
) -> None:
    """Per stream: mode, records, lag, last success, next scheduled run and last error; last runs."""
    from ashby_connector.core import Store, StoreError
    from ashby_connector.core.freshness.overview import connection_ids, connection_statuses

    console = Console()
    try:
        store = Store.open(db)
    except StoreError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from None
    try:
        ids = [connection] if connection else connection_ids(store)
        if connection and connection not in connection_ids(store):
            console.print(f"[bold red]error:[/] no connection {connection!r} in {store.url}")
            raise typer.Exit(2)
        statuses = connection_statuses(store, ids)
    finally:
        store.close()
    if json_output:
        typer.echo(json.dumps({"connections": statuses}, indent=2))
        return
    if not statuses:
        console.print(f"no connection has synced into {db} yet")
    for st in statuses:
        print_status(console, st)


def print_status(console: Console, st: dict[str, Any]) -> None:
    """The status table of one connection, its schedule and its last runs."""
    show(console, status_table(st))
    sched = st["schedule"]
    minutes = sched["incrementalEveryMinutes"]
    every = f"{minutes * 60:.3g} s" if minutes < 1 else f"{minutes:g} min"
    state = "paused" if sched["paused"] else f"every {every}"
    console.print(
        f"schedule: incremental {state}, reconcile every {sched['reconcileEveryHours']:g} h (times UTC)"
    )
    if sched.get("fastEverySeconds"):
        console.print(
            f"fast lane (while webhooks are on): {', '.join(sched['fastStreams'])} every "
            f"{sched['fastEverySeconds']:g} s, {sched['fastRequestsPerMinute']:g} requests/min"
        )
    if st["recentRuns"]:
        show(console, runs_table(st["recentRuns"]))


def runs_table(runs: list[dict[str, Any]]) -> Table:
    """The last runs, newest first: when, what started it, how it ended and what it cost."""
    counts = ("requests", "fetched", "changed", "errors")
    table = Table(title="last runs", title_justify="left", box=None, pad_edge=False)  # fits 80
    for name in ("started", "trigger", "mode", "status", *counts):
        table.add_column(name, justify="right" if name in counts else "left")
    today = datetime.now(UTC).date()
    for run in runs:
        table.add_row(
            _when(run["createdAt"], today) or "-",
            run["trigger"],
            run["mode"],
            run["status"],
            *(f"{run[name]:,}" for name in counts),
        )
    return table
