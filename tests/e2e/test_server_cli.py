"""``ashby-connector keys`` and ``connections`` commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pytest import MonkeyPatch
from typer.testing import CliRunner, Result

from ashby_connector.cli import app
from ashby_connector.store import Store
from ashby_connector.store.tenancy import Tenancy
from tests.outbound import LOCAL_ENV


def test_keys_create_prints_the_key_once_and_stores_only_its_hash(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    created = runner.invoke(app, ["keys", "create", "--name", "acme", "--db", db])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    assert key.startswith("ack_")
    with Store.open(db) as store:
        repo = Tenancy(store)
        assert repo.tenant_for_key(key) is not None
        assert repo.tenant_for_key(key + "x") is None
    listed = runner.invoke(app, ["keys", "list", "--db", db])
    assert "acme" in listed.output and key not in listed.output
    none = runner.invoke(app, ["connections", "list", "--key", key, "--db", db])
    assert none.exit_code == 0 and none.output == ""
    tenant = listed.output.split()[0]
    assert runner.invoke(app, ["keys", "revoke", tenant, "--db", db]).exit_code == 0
    refused = runner.invoke(app, ["connections", "list", "--key", key, "--db", db])
    assert refused.exit_code != 0


def test_serve_help_names_its_options() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--db", "--host", "--port", "--base-url"):
        assert option in result.output


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed command in its own process: what a user sees, tracebacks included."""
    command = [str(Path(sys.executable).parent / "ashby-connector"), *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}
    )


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def _one_line(result: Result) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


def test_store_and_master_key_errors_are_one_line_with_exit_2(
    tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    runner = CliRunner()
    missing = f"sqlite:///{tmp_path / 'no' / 'such' / 'folder' / 'a.db'}"
    keys = runner.invoke(app, ["keys", "create", "--name", "acme", "--db", missing])
    assert keys.exit_code == 2 and "does not exist" in _one_line(keys)
    monkeypatch.setenv("ASHBY_CONNECTOR_MASTER_KEY", "not-a-fernet-key")
    serve = runner.invoke(app, ["serve", "--db", f"sqlite:///{tmp_path / 'a.db'}", "--port", "1"])
    assert serve.exit_code == 2 and "master key" in _one_line(serve)


def test_webhooks_register_uses_the_configured_ashby_and_fails_in_one_line(tmp_path: Path) -> None:
    from cryptography.fernet import Fernet

    from ashby_connector.core import Core, Settings

    db = f"sqlite:///{tmp_path / 'a.db'}"
    master_key = Fernet.generate_key().decode()
    core = Core.open(Settings(db_url=db, master_key=master_key))
    tenant, _ = core.tenancy.create_platform_key("acme")
    connection_id = core.tenancy.create_connection(tenant, "o", core.box.encrypt("a-key"), None, None).id
    core.close()
    nowhere = "http://127.0.0.1:9"  # nothing listens on the discard port
    result = _run(
        "webhooks",
        "register",
        "--connection",
        connection_id,
        "--url",
        "https://127.0.0.1:8443",  # a receiver the development outbound policy lets through
        "--db",
        db,
        env={"ASHBY_CONNECTOR_MASTER_KEY": master_key, "ASHBY_BASE_URL": nowhere, **LOCAL_ENV},
    )
    line = _one_error_line(result)
    assert result.returncode == 1 and "127.0.0.1:9" in line and "api.ashbyhq.com" not in line
    unknown = CliRunner().invoke(
        app,
        [
            "webhooks",
            "register",
            "--connection",
            "conn_nope",
            "--url",
            "https://connector.example",
            "--db",
            db,
        ],
        env={"ASHBY_CONNECTOR_MASTER_KEY": master_key},
    )
    assert unknown.exit_code == 2 and "no connection conn_nope" in _one_line(unknown)
