"""Test stores from a template (owned by issue 20's test tiers): the migrations run once per test
session (per xdist worker), and every new store starts as a copy of that migrated database.

- SQLite: when a test opens a store on a file that does not exist yet, the file is first copied from
  a template migrated once; ``Store.open`` then finds every branch at its head and has nothing to do
  (1.4 s of Alembic per store before, most of a store test's time).
- PostgreSQL: ``postgres_db`` creates each test's database with ``CREATE DATABASE ... TEMPLATE`` of
  one database migrated once.

The migrations keep their own tests on empty databases: a test module marked
``pytest.mark.real_migrations`` (test_store_migrations.py, test_store_schema.py) gets neither, so it
upgrades from nothing (and from every revision) as a user's first start does. Subprocesses the tests
start (the CLI, a server process) migrate as they always do.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

_lock = threading.Lock()
_state: dict[str, Any] = {"real": False, "template": None}


def _sqlite_template(upgrade: Callable[..., None]) -> Path:
    """The session's migrated SQLite file, made on first use (a unit test never gets here)."""
    with _lock:
        if _state["template"] is None:
            from ashby_connector.store.engine import create_engine

            path = Path(tempfile.mkdtemp(prefix="ashby-store-template-")) / "template.db"
            engine = create_engine(f"sqlite:///{path}")
            try:
                upgrade(engine)
                with engine.begin() as conn:  # everything in the main file, nothing left in the WAL
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                engine.dispose()
            _state["template"] = path
        return Path(_state["template"])


@pytest.fixture(scope="session", autouse=True)
def _stores_from_a_template() -> Iterator[None]:
    from ashby_connector.store import engine as store_engine

    original = store_engine.upgrade

    def upgrade(engine: Any, target: str = "heads") -> None:
        url = engine.url
        database = url.database or ""
        if (
            not _state["real"]
            and target == "heads"
            and url.get_backend_name() == "sqlite"
            and database not in ("", ":memory:")
            and not Path(database).exists()
        ):
            shutil.copyfile(_sqlite_template(original), database)
        original(engine, target)

    store_engine.upgrade = upgrade
    try:
        yield
    finally:
        store_engine.upgrade = original
        if _state["template"] is not None:
            shutil.rmtree(Path(_state["template"]).parent, ignore_errors=True)


@pytest.fixture(autouse=True)
def _real_migrations_where_marked(request: pytest.FixtureRequest) -> Iterator[None]:
    _state["real"] = request.node.get_closest_marker("real_migrations") is not None
    yield
    _state["real"] = False
