"""``serve``, ``keys create|list|revoke`` and ``connections list|add|delete``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from ashby_connector.cli._app import CommandGroup, app, fail
from ashby_connector.cli._options import DEFAULT_BASE_URL, DEFAULT_DB, ApiKey, BaseUrl, Db

if TYPE_CHECKING:
    from ashby_connector.core import Tenancy
    from ashby_connector.core.app import Core
    from ashby_connector.core.settings import Settings

keys_app = CommandGroup(help="Platform secret keys (one per tenant).", no_args_is_help=True)
connections_app = CommandGroup(help="Ashby connections of a tenant.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(connections_app, name="connections")


def settings_for(db: str, ashby_base_url: str | None = None, **extra: Any) -> Settings:
    """The deployment's settings: the option when given, else ``$ASHBY_BASE_URL``, else Ashby's."""
    from ashby_connector.core.settings import Settings

    if ashby_base_url:
        return Settings(db_url=db, ashby_base_url=ashby_base_url, **extra)
    return Settings(db_url=db, **extra)


@contextmanager
def opened_core(db: str, ashby_base_url: str | None = None) -> Iterator[Core]:
    """The application core for one command, closed afterwards."""
    from ashby_connector.core.app import Core

    core = Core.open(settings_for(db, ashby_base_url))
    try:
        yield core
    finally:
        core.close()


@app.command()
def serve(
    db: Db = DEFAULT_DB,
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (0.0.0.0: every one)."),
    port: int = typer.Option(8080, "--port", help="Port to listen on."),
    ashby_base_url: BaseUrl = DEFAULT_BASE_URL,
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
    mcp_writes: bool = typer.Option(
        False,
        "--mcp-writes",
        envvar="ASHBY_CONNECTOR_MCP_WRITES",
        help="Offer the write tools at /mcp (add a note, move a stage, add a tag), each only to "
        "connections whose requested operations allow it.",
    ),
) -> None:
    """Run the REST server (OpenAPI at /openapi.json, docs at /docs), its scheduler and metrics.

    /metrics on the API port needs ASHBY_CONNECTOR_METRICS_TOKEN (sent as a bearer token)."""

    from ashby_connector.cli._app import long_running_logs
    from ashby_connector.core.app import Core
    from ashby_connector.server import create_app, resting_server
    from ashby_connector.server.http_protocol import HttpProtocol
    from ashby_connector.server.limits import MAX_REQUEST_HEAD_BYTES
    from ashby_connector.server.logging_config import uvicorn_log_config

    allowlist = tuple(v.strip() for v in outbound_allowlist.split(",") if v.strip())
    settings = settings_for(
        db,
        ashby_base_url,
        outbound_allow_http=outbound_allow_http,
        outbound_allowlist=allowlist,
        metrics_port=metrics_port,
        rate_limit_per_minute=rate_limit or None,
        mcp_writes=mcp_writes,
    )
    try:
        policy = settings.outbound_policy()
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--outbound-allowlist") from None
    ensure_port_free(host, port, "--port")
    if metrics_port is not None:
        ensure_port_free(host, metrics_port, "--metrics-port")
    core = Core.open(settings)  # store and key errors: one line, exit 2
    long_running_logs()  # once the server will run (a refusal above stays one plain line)
    try:
        if metrics_port is not None:
            from ashby_connector.core.runtime import metrics

            metrics.serve(metrics_port, host)
            typer.echo(f"metrics on http://{host}:{metrics_port}/metrics")
        typer.echo(f"serving on http://{host}:{port} (docs at /docs), store {core.store.url}")
        typer.echo(policy.describe())
        resting_server.run(
            create_app(core=core),
            host=host,
            port=port,
            log_level="warning",
            log_config=uvicorn_log_config(),
            h11_max_incomplete_event_size=MAX_REQUEST_HEAD_BYTES,
            http=HttpProtocol,
        )
    finally:
        core.close()


def ensure_port_free(host: str, port: int, option: str) -> None:
    """Refuse in one line, before anything is announced, when the port is taken (or the host
    is not an address of this machine)."""
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise fail(f"cannot listen on {host}: {exc.strerror or exc}", 2) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            in_use = exc.errno == errno.EADDRINUSE
            why = "is in use (another server?)" if in_use else f"cannot be used ({exc.strerror})"
            raise fail(f"port {port} on {host} {why}: choose another with {option}", 2) from None


@contextmanager
def _tenancy(db: str) -> Iterator[Tenancy]:
    # Platform keys need no secret box: their hashes are all that is stored.
    from ashby_connector.core import Store, Tenancy

    store = Store.open(db)
    try:
        yield Tenancy(store)
    finally:
        store.close()


@keys_app.command("create")
def keys_create(
    name: str = typer.Option(..., "--name", help="A name for the tenant."), db: Db = DEFAULT_DB
) -> None:
    """Create a platform key; it is printed once and only its hash is kept."""
    with _tenancy(db) as tenancy:
        key_id, key = tenancy.create_platform_key(name)
    typer.echo(f"tenant {key_id} ({name}); your key (shown once, keep it secret):")
    typer.echo(key)


@keys_app.command("list")
def keys_list(
    db: Db = DEFAULT_DB,
    as_json: bool = typer.Option(False, "--json", help="Print the keys as JSON."),
) -> None:
    """List platform keys (ids and names; the keys themselves are not stored)."""
    with _tenancy(db) as tenancy:
        rows = tenancy.list_platform_keys()
    if as_json:
        typer.echo(
            json.dumps([{"id": r["id"], "name": r["name"], "revoked": bool(r["revoked_at"])} for r in rows])
        )
        return
    for row in rows:
        state = "revoked" if row["revoked_at"] else "active"
        typer.echo(f"{row['id']}\t{row['name']}\t{state}")


@keys_app.command("revoke")
def keys_revoke(
    key_id: str = typer.Argument(help="The key's id, as `keys list` shows it (tenant_...)."),
    db: Db = DEFAULT_DB,
) -> None:
    """Revoke a platform key by its id (the tenant's id: `keys list` shows them)."""
    with _tenancy(db) as tenancy:
        revoked = tenancy.revoke_platform_key(key_id)
    if not revoked:
        raise fail(f"no key {key_id}", 2)
    typer.echo(f"revoked {key_id}")


def _tenant(tenant_of_key: Callable[[str], str | None], key: str) -> str:
    tenant_id = tenant_of_key(key)
    if tenant_id is None:
        raise fail("unknown platform key (--key)", 2)
    return tenant_id


KeyOption = typer.Option(..., "--key", envvar="ASHBY_CONNECTOR_KEY", help="Your platform key.")


@connections_app.command("list")
def connections_list(
    key: str = KeyOption,
    db: Db = DEFAULT_DB,
    as_json: bool = typer.Option(False, "--json", help="Print the connections as JSON."),
) -> None:
    """List the tenant's connections."""
    with _tenancy(db) as tenancy:
        rows = tenancy.list_connections(_tenant(tenancy.tenant_for_key, key))
    if as_json:
        listed = [{"id": r.id, "ownerId": r.owner_id, "keyTitle": r.key_title} for r in rows]
        typer.echo(json.dumps(listed))
        return
    for row in sorted(rows, key=lambda r: (r.owner_id, r.id)):  # a customer's connections together
        typer.echo(f"{row.id}\t{row.owner_id}\t{row.key_title or ''}")


@connections_app.command("add")
def connections_add(
    owner_id: str = typer.Option(..., "--owner-id", help="Your id for the end customer."),
    api_key: ApiKey = None,
    operations: str | None = typer.Option(
        None, "--operations", help="What you will do with it: model::action, comma-separated."
    ),
    key: str = KeyOption,
    db: Db = DEFAULT_DB,
    ashby_base_url: BaseUrl = DEFAULT_BASE_URL,
    as_json: bool = typer.Option(False, "--json", help="Print the whole access report as JSON."),
) -> None:
    """Add a connection (checks the key with apiKey.info, prints what it can and cannot do)."""
    from ashby_connector.core.connections import access

    if not api_key:
        raise fail("no Ashby API key: pass --api-key or set ASHBY_API_KEY", 2)
    wanted = [o.strip() for o in operations.split(",") if o.strip()] if operations else None
    with opened_core(db, ashby_base_url) as core:
        row = core.connections.create(_tenant(core.connections.tenant_of_key, key), owner_id, api_key, wanted)
    access_report = access.report(row.scopes)
    operations_report = access.operations_report(row.operations, row.scopes) if row.operations else None
    if as_json:
        report = {
            "id": row.id,
            "ownerId": row.owner_id,
            "keyTitle": row.key_title,
            "access": access_report,
            "operations": operations_report,
        }
        typer.echo(json.dumps(report, indent=2))
        return
    # A few lines: what the key can do in words; --json has every operation and model.
    readable = [m["model"] for m in access_report["models"] if m["actions"]["read"]["allowed"]]
    _say(f"added {row.id} for {row.owner_id} (key: {row.key_title or 'untitled'})")
    if access_report["known"]:
        missing = ", ".join(access_report["missingPermissions"]) or "none"
        _say(
            f"it can read {len(readable)} of {len(access_report['models'])} models; "
            f"missing permissions: {missing}"
        )
    else:
        _say("the key does not tell its permissions (no apiKeysRead): nothing checked")
    if operations_report is not None:
        _say(f"requested operations: {operations_report['status']}; {operations_report['summary']}")
    typer.echo("(--json prints the whole report)")


def _say(text: str) -> None:
    """A line of the report, wrapped between words at the terminal's width (80 when piped)."""
    import shutil
    import textwrap

    width = max(shutil.get_terminal_size().columns, 40)
    typer.echo(
        textwrap.fill(text, width, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False)
    )


@connections_app.command("delete")
def connections_delete(
    connection_id: str = typer.Argument(help="The connection's id (`connections list` shows them)."),
    key: str = KeyOption,
    db: Db = DEFAULT_DB,
    ashby_base_url: BaseUrl = DEFAULT_BASE_URL,
) -> None:
    """Delete a connection: every record stored for it, and its webhook settings in Ashby."""
    with opened_core(db, ashby_base_url) as core:
        deletion = core.connections.delete(_tenant(core.connections.tenant_of_key, key), connection_id)
    typer.echo(f"deleted {connection_id}")
    if not deletion.complete:
        pending = ", ".join(deletion.webhooks.pending)
        typer.echo(
            f"Ashby could not be reached to remove its webhook settings ({pending}): "
            f"the server retries until Ashby confirms ({deletion.webhooks.error})"
        )
