"""One example per command, shown at the end of its ``--help`` (keyed by the command function's
module and name: ``CommandGroup.command`` attaches them)."""

from __future__ import annotations

EXAMPLES: dict[str, str] = {
    "_app.version": "ashby-connector version",
    "api_commands.operations": "ashby-connector operations --module candidate",
    "api_commands.call": "ashby-connector call candidate.list -d '{\"limit\": 2}' --api-key $ASHBY_API_KEY",
    "emulator_commands.emulator": "ashby-connector emulator --port 8010 --candidates 500 --api-key emu-key",
    "mcp_commands.mcp": "ashby-connector mcp --db sqlite:///ashby.db",
    "server_commands.serve": "ashby-connector serve --port 8765 --base-url http://127.0.0.1:8010",
    "status_commands.status": "ashby-connector status --db sqlite:///ashby.db",
    "sync_commands.sync": "ashby-connector sync --api-key $ASHBY_API_KEY --db sqlite:///ashby.db",
    "sync_commands.demo": "ashby-connector demo --candidates 500",
    "scim_commands.push": "ashby-connector scim push --url http://127.0.0.1:8010/scim/v2 --token $SCIM_TOKEN "
    "--from people.csv --dry-run",
    "server_commands.keys_create": "ashby-connector keys create --name acme",
    "server_commands.keys_list": "ashby-connector keys list",
    "server_commands.keys_revoke": "ashby-connector keys revoke tenant_0123abcd",
    "server_commands.connections_list": "ashby-connector connections list --key $PLATFORM_KEY",
    "server_commands.connections_add": "ashby-connector connections add --owner-id customer-42 --api-key "
    "$ASHBY_API_KEY --key $PLATFORM_KEY --operations atsCandidate::list",
    "server_commands.connections_delete": "ashby-connector connections delete conn_0123abcd "
    "--key $PLATFORM_KEY",
    "sync_commands.hiring_team_add": "ashby-connector hiring-team add --email ada@example.com --job-id "
    "<job id> --role 'Hiring Manager'",
    "sync_commands.worker_run": "ashby-connector worker run --db postgresql+psycopg://user@host/db",
    "sync_commands.worker_enqueue": "ashby-connector worker enqueue --db postgresql+psycopg://user@host/db "
    "--connection default",
    "users_commands.roles": "ashby-connector users roles --desired idp-groups.csv",
    "webhook_commands.register": "ashby-connector webhooks register --connection conn_0123abcd --url "
    "https://connector.example.com",
    "webhook_commands.unregister": "ashby-connector webhooks unregister --connection conn_0123abcd",
    "webhook_commands.status": "ashby-connector webhooks status",
    "webhook_commands.process": "ashby-connector webhooks process --once",
    "webhook_commands.deliver": "ashby-connector webhooks deliver --once",
    "webhook_commands.run": "ashby-connector webhooks run",
}


def example_for(module: str, function: str) -> str | None:
    text = EXAMPLES.get(f"{module.rsplit('.', 1)[-1]}.{function}")
    return f"Example: {text}" if text else None
