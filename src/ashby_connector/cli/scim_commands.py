"""``scim push``: provision a directory without an identity provider (a users CSV) over SCIM 2.0."""

from __future__ import annotations

import typer
from rich.console import Console

from ashby_connector.cli._app import CommandGroup, app

scim_app = CommandGroup(help="SCIM 2.0 provisioning into Ashby.", no_args_is_help=True)
app.add_typer(scim_app, name="scim")

_STYLE = {"create": "green", "update": "yellow", "deactivate": "red", "unchanged": "dim"}


@scim_app.command("push")
def push(
    url: str = typer.Option(..., "--url", help="The SCIM 2.0 base URL (…/scim/v2)."),
    token: str = typer.Option(..., "--token", envvar="SCIM_TOKEN", help="Bearer token (env SCIM_TOKEN)."),
    source: str = typer.Option(
        ..., "--from", help="Users CSV: email (the userName), firstName, lastName, active (true/false)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print what would change; change nothing."),
) -> None:
    """Create, update and deactivate SCIM users so the server matches the CSV (by email)."""
    from ashby_connector.core.directory.csv_input import CsvRowError
    from ashby_connector.core.directory.push import apply, plan, read_users_csv
    from ashby_connector.core.directory.scim import Scim2Directory, ScimDirectoryError

    console = Console(highlight=False)
    try:
        users = read_users_csv(source)
    except CsvRowError as exc:
        console.print(f"[red]error:[/red] {exc}", soft_wrap=True, highlight=False)
        raise typer.Exit(2) from None
    try:
        with Scim2Directory(url, token) as directory:
            changes = plan(users, directory.users())
            done = changes if dry_run else apply(changes, directory)
            counts: dict[str, int] = {}
            for change in done:
                counts[change.action] = counts.get(change.action, 0) + 1
                verb = (
                    change.action if not dry_run or change.action == "unchanged" else f"would {change.action}"
                )
                detail = f"  ({change.detail})" if change.detail else ""
                console.print(f"[{_STYLE[change.action]}]{verb:<16}[/] {change.email}{detail}")
    except ScimDirectoryError as exc:
        console.print(f"[red]error:[/red] {exc}", soft_wrap=True, highlight=False)
        raise typer.Exit(1) from None
    summary = ", ".join(f"{counts.get(a, 0)} {a}" for a in ("create", "update", "deactivate", "unchanged"))
    console.print(("dry run, nothing changed: " if dry_run else "") + summary)
