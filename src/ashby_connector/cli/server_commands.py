"""``serve``, ``keys create|list|revoke`` and ``connections list|add|delete``."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import typer

from ashby_connector.cli._app import app
from ashby_connector.server.settings import DEFAULT_ASHBY_BASE_URL, ServerSettings

if TYPE_CHECKING:
    from ashby_connector.server.repo import ServerRepo

keys_app = typer.Typer(help="Platform secret keys (one per tenant).", no_args_is_help=True)
connections_app = typer.Typer(help="Ashby connections of a tenant.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(connections_app, name="connections")

DbOption = typer.Option("sqlite:///ashby.db", "--db", help="Database URL (SQLite or PostgreSQL).")
BaseOption = typer.Option(
    None,
    "--ashby-base-url",
    help=f"Ashby API base URL (env ASHBY_BASE_URL, default {DEFAULT_ASHBY_BASE_URL}).",
)


def _settings(db: str, ashby_base_url: str | None = None, **extra: Any) -> ServerSettings:
    base = ashby_base_url or os.environ.get("ASHBY_BASE_URL") or DEFAULT_ASHBY_BASE_URL
    return ServerSettings(db_url=db, ashby_base_url=base, **extra)


@app.command()
def serve(
    db: str = DbOption,
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8080, "--port"),
    ashby_base_url: str | None = BaseOption,
    outbound_allow_http: bool = typer.Option(
        False,
        "--outbound-allow-http",
        envvar="ASHBY_CONNECTOR_OUTBOUND_ALLOW_HTTP",
        help="Development only: let subscriptions and webhook targets use http://.",
    ),
    outbound_allowlist: str = typer.Option(
        "",
        "--outbound-allowlist",
        envvar="ASHBY_CONNECTOR_OUTBOUND_ALLOWLIST",
        help="Development only: internal addresses or networks (comma separated, e.g. 127.0.0.1) "
        "that subscriptions and webhook targets may reach.",
    ),
    metrics_port: int | None = typer.Option(
        None, "--metrics-port", help="Serve Prometheus metrics on this port (on --host) instead of /metrics."
    ),
    rate_limit: float = typer.Option(
        1000, "--rate-limit", help="Requests per minute per Ashby key, shared by every process (0 = off)."
    ),
) -> None:
    """Run the REST server (OpenAPI at /openapi.json, docs at /docs), its scheduler and metrics.

    /metrics on the API port needs ASHBY_CONNECTOR_METRICS_TOKEN (sent as a bearer token)."""
    from dataclasses import replace

    import uvicorn

    from ashby_connector.cli._app import long_running_logs
    from ashby_connector.server import create_app
    from ashby_connector.server.logging_config import uvicorn_log_config

    long_running_logs()
    allowlist = tuple(v.strip() for v in outbound_allowlist.split(",") if v.strip())
    settings = replace(
        _settings(db, ashby_base_url, outbound_allow_http=outbound_allow_http, outbound_allowlist=allowlist),
        metrics_port=metrics_port,
        rate_limit_per_minute=rate_limit or None,
    )
    try:
        policy = settings.outbound_policy()
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--outbound-allowlist") from None
    if metrics_port is not None:
        from ashby_connector.core import metrics

        metrics.serve(metrics_port, host)
        typer.echo(f"metrics on http://{host}:{metrics_port}/metrics")
    typer.echo(f"serving on http://{host}:{port} (docs at /docs), store {db}")
    typer.echo(policy.describe())
    uvicorn.run(
        create_app(settings), host=host, port=port, log_level="warning", log_config=uvicorn_log_config()
    )


def _repo(db: str) -> ServerRepo:
    # Local imports keep `--help` fast.
    from ashby_connector.server.repo import ServerRepo
    from ashby_connector.store import Store

    return ServerRepo(Store.open(db))


@keys_app.command("create")
def keys_create(
    name: str = typer.Option(..., "--name", help="A name for the tenant."), db: str = DbOption
) -> None:
    """Create a platform key; it is printed once and only its hash is kept."""
    key_id, key = _repo(db).create_platform_key(name)
    typer.echo(f"tenant {key_id} ({name}); your key (shown once, keep it secret):")
    typer.echo(key)


@keys_app.command("list")
def keys_list(db: str = DbOption) -> None:
    """List platform keys (ids and names; the keys themselves are not stored)."""
    for row in _repo(db).list_platform_keys():
        state = "revoked" if row["revoked_at"] else "active"
        typer.echo(f"{row['id']}\t{row['name']}\t{state}")


@keys_app.command("revoke")
def keys_revoke(key_id: str, db: str = DbOption) -> None:
    """Revoke a platform key by its tenant id."""
    if not _repo(db).revoke_platform_key(key_id):
        raise typer.BadParameter(f"no key {key_id}")
    typer.echo(f"revoked {key_id}")


def _tenant(repo: ServerRepo, key: str) -> str:
    tenant_id = repo.tenant_for_key(key)
    if tenant_id is None:
        raise typer.BadParameter("unknown platform key", param_hint="--key")
    return str(tenant_id)


KeyOption = typer.Option(..., "--key", envvar="ASHBY_CONNECTOR_KEY", help="Your platform key.")


@connections_app.command("list")
def connections_list(key: str = KeyOption, db: str = DbOption) -> None:
    """List the tenant's connections."""
    repo = _repo(db)
    for row in repo.list_connections(_tenant(repo, key)):
        typer.echo(f"{row.id}\t{row.owner_id}\t{row.key_title or ''}")


@connections_app.command("add")
def connections_add(
    owner_id: str = typer.Option(..., "--owner-id"),
    api_key: str = typer.Option(..., "--api-key", envvar="ASHBY_API_KEY", help="The Ashby key."),
    key: str = KeyOption,
    db: str = DbOption,
    ashby_base_url: str | None = BaseOption,
) -> None:
    """Add a connection (checks the key with apiKey.info, prints what it can and cannot do)."""
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from ashby_connector.server import create_app

    # The same path as POST /connections, in-process: one code path for checks and encryption.
    # No scheduler here: the running server (or a worker) keeps the new connection fresh.
    with TestClient(create_app(replace(_settings(db, ashby_base_url), scheduler="off"))) as http:
        answer = http.post(
            "/connections",
            json={"ownerId": owner_id, "apiKey": api_key},
            headers={"Authorization": f"Bearer {key}"},
        )
    typer.echo(json.dumps(answer.json(), indent=2))
    if answer.status_code >= 400:
        raise typer.Exit(1)


@connections_app.command("delete")
def connections_delete(connection_id: str, key: str = KeyOption, db: str = DbOption) -> None:
    """Delete a connection and every record stored for it."""
    repo = _repo(db)
    row = repo.get_connection(_tenant(repo, key), connection_id)
    if row is None:
        raise typer.BadParameter(f"no connection {connection_id}")
    repo.delete_connection(row.id)
    typer.echo(f"deleted {connection_id}")
