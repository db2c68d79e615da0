"""``ashby-connector keys`` and ``connections`` commands."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ashby_connector.cli import app
from ashby_connector.store import Store
from ashby_connector.store.tenancy import Tenancy


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
    for option in ("--db", "--host", "--port", "--ashby-base-url"):
        assert option in result.output
