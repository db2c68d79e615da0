"""Files that hold secrets or personal data: where they go and who may read them."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from ashby_connector.core.runtime.master_key import MASTER_KEY_NAME, load_master_key, master_key_path
from ashby_connector.core.settings import Settings
from ashby_connector.store import Store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A current directory that is not where the data lives, and no key in the environment."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("ASHBY_CONNECTOR_MASTER_KEY", raising=False)
    monkeypatch.delenv("ASHBY_CONNECTOR_MASTER_KEY_FILE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    return cwd


def test_generated_master_key_lives_beside_the_sqlite_database(tmp_path: Path, elsewhere: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    settings = Settings(db_url=f"sqlite:///{data / 'ashby.db'}")
    key = load_master_key(settings)
    assert (data / MASTER_KEY_NAME).read_bytes().strip() == key
    assert stat.S_IMODE((data / MASTER_KEY_NAME).stat().st_mode) == 0o600
    assert list(elsewhere.iterdir()) == []
    assert load_master_key(settings) == key


def test_master_key_for_postgresql_goes_to_the_platform_data_directory(
    tmp_path: Path, elsewhere: Path
) -> None:
    settings = Settings(db_url="postgresql+psycopg://user@127.0.0.1/ashby")
    expected = tmp_path / "xdg-data" / "ashby-connector" / MASTER_KEY_NAME
    assert master_key_path(settings) == expected
    key = load_master_key(settings)
    assert expected.read_bytes().strip() == key
    assert stat.S_IMODE(expected.parent.stat().st_mode) == 0o700
    assert list(elsewhere.iterdir()) == []


def test_configured_master_key_file_wins(tmp_path: Path, elsewhere: Path) -> None:
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'a.db'}", master_key_file=str(tmp_path / "k"))
    assert master_key_path(settings) == tmp_path / "k"


def test_sqlite_database_and_its_wal_are_created_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        store = Store.open(f"sqlite:///{tmp_path / 'ashby.db'}")
        try:
            store.upsert_records("c1", "candidate", [{"id": "x", "name": "Ada"}])
            files = sorted(p.name for p in tmp_path.iterdir())
            assert "ashby.db-wal" in files
            for name in files:
                assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
        finally:
            store.close()
    finally:
        os.umask(old)


def test_gitignore_covers_master_key_files() -> None:
    for name in (MASTER_KEY_NAME, "data/ashby-master.key"):
        ignored = subprocess.run(["git", "check-ignore", "-q", name], cwd=ROOT, check=False)
        assert ignored.returncode == 0, name
