"""Alembic: a database made by an older revision upgrades in place, data kept."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from ashby_connector.store import Store
from ashby_connector.store.engine import alembic_config, create_engine, upgrade

pytestmark = pytest.mark.real_migrations  # these tests are about the migrations themselves


def _upgrade_from_first_revision(url: str) -> None:
    engine = create_engine(url)
    upgrade(engine, "store_0001")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO ashby_candidate (connection_id, id, raw, raw_hash, synced_at, changed_at) "
                "VALUES ('default', 'c1', '{\"id\": \"c1\"}', 'x', '2024-01-01', '2024-01-01')"
            )
        )
        cols = {c["name"] for c in sa.inspect(conn).get_columns("sync_state")}
        assert "last_error" not in cols
    engine.dispose()
    with Store.open(url) as store:  # runs upgrade heads
        assert store.get("default", "candidate", "c1") == {"id": "c1"}
        store.fail_stream("default", "candidate", "boom")
        assert store.get_stream_state("default", "candidate").last_error == "boom"
        with store.engine.connect() as conn:
            from alembic.script import ScriptDirectory

            heads = ScriptDirectory.from_config(alembic_config(conn)).get_heads()
            current = set(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
        assert current == set(heads)


def test_sqlite_upgrade_keeps_data(tmp_path: Path) -> None:
    _upgrade_from_first_revision(f"sqlite:///{tmp_path / 'old.db'}")


@pytest.mark.postgres
def test_postgres_upgrade_keeps_data(postgres_db: str) -> None:
    _upgrade_from_first_revision(postgres_db)


def test_open_twice_is_a_no_op(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    Store.open(url).close()
    with Store.open(url) as store:
        assert store.count("default", "candidate") == 0


def _connection_before_child_policies(url: str) -> None:
    """A connection made before server_0006 keeps its row and gets every default policy."""
    from ashby_connector.core.connections.child_policies import ChildPolicies
    from ashby_connector.store.tenancy import Tenancy

    engine = create_engine(url)
    upgrade(engine, "server_0005")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO server_connection (id, tenant_id, owner_id, api_key_encrypted, created_at, "
                "updated_at) VALUES ('conn_old', 'tenant_1', 'owner', 'token', '2024-01-01', '2024-01-01')"
            )
        )
        cols = {c["name"] for c in sa.inspect(conn).get_columns("server_connection")}
        assert "child_policies" not in cols
    engine.dispose()
    with Store.open(url) as store:
        tenancy = Tenancy(store)
        row = tenancy.get_connection("tenant_1", "conn_old")
        assert row is not None and row.owner_id == "owner" and row.child_policies is None
        policies = ChildPolicies(tenancy)
        assert policies.overrides("conn_old") is None
        assert policies.effective("conn_old")["candidateNote"] == "lazy"
        policies.put("conn_old", {"candidateNote": "eager"})
        assert policies.effective("conn_old")["candidateNote"] == "eager"
        # A stored entry for a child list that left the catalog is skipped, not fatal to syncs.
        tenancy.set_child_policies("conn_old", {"candidateNote": "off", "retiredList": "eager"})
        assert policies.overrides("conn_old") == {"candidateNote": "off"}


def test_sqlite_connections_get_child_policies(tmp_path: Path) -> None:
    _connection_before_child_policies(f"sqlite:///{tmp_path / 'old.db'}")


@pytest.mark.postgres
def test_postgres_connections_get_child_policies(postgres_db: str) -> None:
    _connection_before_child_policies(postgres_db)


def _run_worker_becomes_its_holder(url: str) -> None:
    """freshness_0004 renames ``sync_run.worker`` to ``holder``, keeping each run's value."""
    from ashby_connector.core.syncs.history import SyncHistory

    engine = create_engine(url)
    upgrade(engine, "freshness_0003")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO sync_run (id, connection_id, trigger, mode, status, created_at, worker) "
                "VALUES ('sync_old', 'conn_1', 'schedule', 'full', 'succeeded', '2024-01-01', 'host:42:ab')"
            )
        )
    engine.dispose()
    with Store.open(url) as store:
        run = SyncHistory(store).get("sync_old")
        assert run is not None and run.holder == "host:42:ab" and run.status == "succeeded"
        cols = {c["name"] for c in sa.inspect(store.engine).get_columns("sync_run")}
        assert "holder" in cols and "worker" not in cols


def test_sqlite_run_worker_becomes_its_holder(tmp_path: Path) -> None:
    _run_worker_becomes_its_holder(f"sqlite:///{tmp_path / 'old.db'}")


@pytest.mark.postgres
def test_postgres_run_worker_becomes_its_holder(postgres_db: str) -> None:
    _run_worker_becomes_its_holder(postgres_db)
