"""``users roles``: what to change by hand in Ashby so users' roles match the identity provider."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from ashby_connector.cli._app import CommandGroup, app
from ashby_connector.cli._options import DEFAULT_DB, Db

users_app = CommandGroup(help="Ashby users from the local copy (run `sync` first).", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("roles")
def roles(
    desired: str = typer.Option(..., "--desired", help="IdP group export as CSV: email, role."),
    db: Db = DEFAULT_DB,
    connection: str = typer.Option("default", "--connection", help="Connection id (as given to `sync`)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Users whose globalRole differs from the desired one, and users new since the last sync."""
    from ashby_connector.core import Store, StoreError
    from ashby_connector.core.directory.csv_input import CsvRowError
    from ashby_connector.core.directory.role_gaps import RoleGapReport, read_desired_roles_csv

    console = Console(highlight=False)
    try:
        wanted = read_desired_roles_csv(desired)
    except CsvRowError as exc:
        console.print(f"[red]error:[/red] {exc}", soft_wrap=True, highlight=False)
        raise typer.Exit(2) from None
    try:
        with Store.open(db) as store:
            report = RoleGapReport(store).report(connection, wanted)
    except StoreError as exc:
        console.print(f"[red]error:[/red] {exc}", soft_wrap=True, highlight=False)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    if report["lastUserSync"] is None:
        console.print("[yellow]no synced users for this connection: run `ashby-connector sync` first[/]")
    table = Table(title=f"Role gaps ({report['matching']} of {len(wanted)} users already match)")
    for column in ("email", "name", "now", "should be"):
        table.add_column(column)
    for gap in report["gaps"]:
        table.add_row(gap["email"], gap["name"], gap["globalRole"], gap["desiredRole"])
    console.print(table)
    for gap in report["gaps"]:
        console.print(f"- {gap['action']}")
    for entry in report["missing"] + report["deactivated"]:
        console.print(f"- {entry['email']}: {entry['action']}")
    news = report["newSinceLastSync"]
    console.print(f"New since the last sync: {len(news)}")
    for user in news:
        console.print(f"- {user['email']} ({user['name']}, {user['globalRole']})")
    console.print(f"[dim]{report['note']}[/]")
