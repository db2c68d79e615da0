"""A store's master key is guarded: a command with another key, or with none where the database holds
encrypted keys, refuses in one line saying where the key was expected and how to pass it; a new key
file is made only for a database without secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from ashby_connector.cli import app
from ashby_connector.core.app import Core
from ashby_connector.core.settings import Settings


def _database_with_a_connection(db: str, key: str) -> None:
    core = Core.open(Settings(db_url=db, master_key=key))
    try:
        tenant, _ = core.tenancy.create_platform_key("t")
        core.tenancy.create_connection(tenant, "owner", core.box.encrypt("ashby-key"), None, None)
    finally:
        core.close()


def _delete(db: str, env: dict[str, str]) -> tuple[int, str]:
    done = CliRunner().invoke(app, ["connections", "delete", "conn_x", "--key", "k", "--db", db], env=env)
    return done.exit_code, done.output


@pytest.fixture
def no_key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASHBY_CONNECTOR_MASTER_KEY", raising=False)
    monkeypatch.delenv("ASHBY_CONNECTOR_MASTER_KEY_FILE", raising=False)


def test_another_key_is_refused_in_one_line(tmp_path: Path, no_key_env: None) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    _database_with_a_connection(db, Fernet.generate_key().decode())
    code, output = _delete(db, {"ASHBY_CONNECTOR_MASTER_KEY": Fernet.generate_key().decode()})
    assert code == 2
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "cannot decrypt" in lines[0] and "$ASHBY_CONNECTOR_MASTER_KEY" in lines[0]
    assert "ASHBY_CONNECTOR_MASTER_KEY_FILE" in lines[0] and str(tmp_path / "ashby-master.key") in lines[0]


def test_no_new_key_file_for_a_database_with_secrets(tmp_path: Path, no_key_env: None) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    _database_with_a_connection(db, Fernet.generate_key().decode())  # its key was in the environment
    code, output = _delete(db, {})
    assert code == 2 and "no master key was found" in output, output
    assert str(tmp_path / "ashby-master.key") in output
    assert not (tmp_path / "ashby-master.key").exists()


def test_the_right_key_opens_and_an_empty_database_gets_a_key_file(tmp_path: Path, no_key_env: None) -> None:
    key = Fernet.generate_key().decode()
    db = f"sqlite:///{tmp_path / 'a.db'}"
    _database_with_a_connection(db, key)
    code, output = _delete(db, {"ASHBY_CONNECTOR_MASTER_KEY": key})
    # Past the key check: the platform key is what it refuses.
    assert code == 2 and "unknown platform key" in output and "master key" not in output

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    _, output = _delete(f"sqlite:///{fresh / 'b.db'}", {})
    assert "unknown platform key" in output
    assert (fresh / "ashby-master.key").exists()
    # The file made then opens the database afterwards.
    _, output = _delete(f"sqlite:///{fresh / 'b.db'}", {})
    assert "master key" not in output
