"""``ashby-connector operations`` and ``ashby-connector call``: the API from the command line."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from ashby_connector.cli._app import app
from ashby_connector.cli._options import DEFAULT_BASE_URL, ApiKey, BaseUrl
from ashby_connector.cli._tables import show
from ashby_connector.cli._waiting import DEFAULT_GIVE_UP_AFTER, GiveUpAfter, patient, told_when_unreachable


def _operation_rows(include_partner: bool) -> list[dict[str, Any]]:
    from ashby_connector import catalog

    return [
        {
            "name": op.name,
            "method": f"{op.python_module}.{op.python_method}",
            "kind": op.kind,
            "permission": op.permission,
            "pagination": op.pagination,
            "multipart": op.multipart,
            "deprecated": op.deprecated,
            "alias_of": op.alias_of,
            "implemented_by": op.implemented_by,
        }
        for op in catalog.operations()
        if include_partner or not op.partner_side
    ]


@app.command()
def operations(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    module: Annotated[str | None, typer.Option(help="Only this module (e.g. candidate).")] = None,
    partner: Annotated[bool, typer.Option(help="Include partner-side (assessment) operations.")] = False,
) -> None:
    """List every Ashby operation with its permission and pagination."""
    rows = [r for r in _operation_rows(partner) if module is None or r["name"].split(".")[0] == module]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("operation", "client method", "kind", "permission", "pagination", "notes")
    for r in rows:
        notes = []
        if r["alias_of"]:
            notes.append(f"alias of {r['alias_of']}")
        elif r["deprecated"]:
            notes.append("deprecated")
        if r["multipart"]:
            notes.append("multipart")
        if r["implemented_by"] == "partner":
            notes.append("partner-side")
        table.add_row(
            r["name"], r["method"], r["kind"], r["permission"] or "-", r["pagination"], ", ".join(notes)
        )
    console = Console()
    show(console, table)
    console.print(f"{len(rows)} operations")


@app.command()
def call(
    operation: Annotated[str, typer.Argument(help="Operation name, e.g. candidate.list")],
    data: Annotated[str, typer.Option("--data", "-d", help="Request body as JSON ('-' reads stdin).")] = "{}",
    api_key: ApiKey = None,
    base_url: BaseUrl = DEFAULT_BASE_URL,
    all_pages: Annotated[bool, typer.Option("--all", help="Follow nextCursor; print every record.")] = False,
    give_up_after: GiveUpAfter = DEFAULT_GIVE_UP_AFTER,
) -> None:
    """Call any Ashby operation and print its results as JSON."""
    from ashby_connector import catalog
    from ashby_connector.client import AshbyClient
    from ashby_connector.core.errors import AshbyError

    err = Console(stderr=True)
    try:
        catalog.operation(operation)
    except catalog.UnknownOperationError as exc:  # bad input: nothing is sent
        err.print(
            f"[red]error:[/red] {exc} (`ashby-connector operations` lists them all)",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(2) from None
    try:
        body = json.loads(sys.stdin.read() if data == "-" else data)
    except json.JSONDecodeError as exc:
        err.print(
            f"[red]error:[/red] --data is not valid JSON ({exc.msg} at position {exc.pos})", soft_wrap=True
        )
        raise typer.Exit(2) from None
    if not isinstance(body, dict):
        err.print("[red]error:[/red] --data must be a JSON object")
        raise typer.Exit(2)
    if not api_key:
        err.print("[red]error:[/red] no API key: set ASHBY_API_KEY or pass --api-key")
        raise typer.Exit(2)
    try:
        with (
            AshbyClient(api_key, base_url=base_url, **patient(give_up_after)) as client,
            told_when_unreachable(base_url, give_up_after),
        ):
            if all_pages:
                results: Any = list(client.paginate(operation, body))
            else:
                results = client.call(operation, body)
    except AshbyError as exc:
        err.print(f"[red]error:[/red] {type(exc).__name__}: {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    sys.stdout.write(orjson.dumps(results, option=orjson.OPT_INDENT_2).decode() + "\n")
