"""``ashby-connector webhooks register|status|unregister`` against the emulator and a running server."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ashby_connector.cli import app
from ashby_connector.emulator import run_emulator
from tests.e2e.server_harness import run_server
from tests.outbound import LOCAL_ENV


def test_register_status_unregister(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/cli.db"
    runner = CliRunner()
    with (
        run_emulator(seed=7, candidates=10, rate_limit_per_minute=None) as emu,
        run_server(emu.base_url, db) as server,
    ):
        http = server.tenant("acme")
        connection_id = server.connect(http, emu.api_key, sync=False)
        env = {"ASHBY_CONNECTOR_MASTER_KEY": server.core.settings.master_key or "", **LOCAL_ENV}
        common = ["--connection", connection_id, "--db", db, "--base-url", emu.base_url]

        result = runner.invoke(
            app,
            [
                "webhooks",
                "register",
                *common,
                "--url",
                server.url,
                "--types",
                "candidateStageChange,offerCreate",
            ],
            env=env,
        )
        assert result.exit_code == 0, result.output
        assert "candidateStageChange" in result.output and "offerCreate" in result.output
        assert "DISABLED" not in result.output  # Ashby's ping reached the running server
        settings = emu.control.call("webhooks/settings")["webhooks"]
        assert sorted(s["webhookType"] for s in settings) == ["candidateStageChange", "offerCreate"]
        assert all(s["requestUrl"] == f"{server.url}/webhooks/ashby/{connection_id}" for s in settings)

        # Registering again is idempotent: no duplicate settings in Ashby.
        again = runner.invoke(
            app, ["webhooks", "register", *common, "--url", server.url, "--types", "offerCreate"], env=env
        )
        assert again.exit_code == 0, again.output
        assert len(emu.control.call("webhooks/settings")["webhooks"]) == 2

        status = runner.invoke(
            app, ["webhooks", "status", "--connection", connection_id, "--db", db], env=env
        )
        assert status.exit_code == 0 and "enabled" in status.output

        removed = runner.invoke(app, ["webhooks", "unregister", *common], env=env)
        assert removed.exit_code == 0, removed.output
        assert emu.control.call("webhooks/settings")["webhooks"] == []

        bad = runner.invoke(
            app, ["webhooks", "register", *common, "--url", server.url, "--types", "nope"], env=env
        )
        assert bad.exit_code != 0
        http.close()


def test_run_once_applies_the_inbox_and_reports(tmp_path: Path) -> None:
    import orjson
    from cryptography.fernet import Fernet

    from ashby_connector.core.app import Core
    from ashby_connector.core.settings import Settings
    from ashby_connector.webhooks import sign_ashby_body

    db = f"sqlite:///{tmp_path}/once.db"
    key = Fernet.generate_key().decode()
    core = Core.open(Settings(db_url=db, master_key=key))
    tenant, _ = core.tenancy.create_platform_key("t")
    connection_id = core.tenancy.create_connection(tenant, "o", core.box.encrypt("k"), None, None).id
    service = core.webhooks
    secret = service.registry.ensure_secret(connection_id)
    app_record = {"id": "app1", "updatedAt": "2026-01-01T00:00:00Z", "candidate": {"id": "c1"}}
    body = orjson.dumps(
        {"webhookActionId": "w1", "action": "applicationUpdate", "data": {"application": app_record}}
    )
    assert service.receive(connection_id, body, sign_ashby_body(secret, body)).status_code == 200
    core.close()  # the server stops before processing

    result = CliRunner().invoke(
        app, ["webhooks", "run", "--once", "--db", db], env={"ASHBY_CONNECTOR_MASTER_KEY": key}
    )
    assert result.exit_code == 0, result.output
    assert "'done': 1" in result.output
    core = Core.open(Settings(db_url=db, master_key=key))
    assert core.store.get(connection_id, "application", "app1") is not None
    core.close()
