"""PostgreSQL fixtures (owned by the store part): a private server for the test session.

initdb into a temporary folder, start on a free 127.0.0.1 port with its unix socket in that
folder, create a database, and stop and remove it all at the end. As root the server runs as the
``postgres`` user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.tier_guard import lifted


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """``postgresql+psycopg://`` URL of a fresh database on a private server (one per xdist worker)."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL binaries not found (run `make postgres` to install Debian's package)")
    root = Path(tempfile.mkdtemp(prefix="ashby-pg-"))
    data = root / "data"
    with lifted():  # the one server integration tests may use (tests/tier_guard.py)
        port = _start(bindir, root, data)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/ashby"
    finally:
        subprocess.run(
            _as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def _start(bindir: Path, root: Path, data: Path) -> int:
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        os.chmod(root, 0o700)
    run = lambda cmd: subprocess.run(_as_owner(cmd), check=True, capture_output=True, text=True)  # noqa: E731
    port = _free_port()
    run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"])
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c full_page_writes=off"
    run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-o", options, "-w", "start"])
    run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "ashby"])
    return port


@pytest.fixture(scope="session")
def postgres_template(postgres_url: str) -> str:
    """A database migrated once per session: ``postgres_db`` copies it (tests/fixtures_store.py)."""
    import psycopg

    from ashby_connector.store import Store

    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute('CREATE DATABASE "ashby_template"')
    Store.open(postgres_url.rsplit("/", 1)[0] + "/ashby_template").close()
    return "ashby_template"


@contextmanager
def _database(postgres_url: str, template: str | None) -> Iterator[str]:
    """A new database on the session's server, a copy of ``template`` (or empty), dropped after."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_db(request: pytest.FixtureRequest, postgres_url: str) -> Iterator[str]:
    """A fresh database on the session's server (one per test): a copy of the migrated template, or
    empty for tests marked ``real_migrations`` (the migrations' own tests)."""
    real = request.node.get_closest_marker("real_migrations") is not None
    with _database(postgres_url, None if real else request.getfixturevalue("postgres_template")) as url:
        yield url


@pytest.fixture(scope="module")
def postgres_module_db(postgres_url: str, postgres_template: str) -> Iterator[str]:
    """A migrated database shared by one test file's tests (a synced copy its tests only read)."""
    with _database(postgres_url, postgres_template) as url:
        yield url


DbFactory = Callable[[], str]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A fresh ``Store`` on SQLite, then on PostgreSQL: tests of storage behaviour run on both."""
    from ashby_connector.store import Store

    url = (
        f"sqlite:///{tmp_path / 'a.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_db")
    )
    with Store.open(url) as store:
        yield store
