"""The migrations build exactly the tables the store defines, and keep data from every revision."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from ashby_connector.store import Store, metadata
from ashby_connector.store.engine import alembic_config, create_engine, upgrade
from ashby_connector.store.queries import JSON_INDEXES

pytestmark = pytest.mark.real_migrations  # these tests are about the migrations themselves


def _differences(url: str) -> list[Any]:
    with Store.open(url) as store, store.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                # The expression indexes are made by raw SQL per dialect (webhooks_0002) and are
                # not on the metadata; test_webhooks_lookup checks that the queries use them.
                "include_name": lambda name, kind, _parent: (
                    not (kind == "index" and name in JSON_INDEXES.values())
                ),
            },
        )
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
            return list(compare_metadata(context, metadata))


def test_sqlite_schema_matches_metadata(tmp_path: Path) -> None:
    assert _differences(f"sqlite:///{tmp_path / 'fresh.db'}") == []


@pytest.mark.postgres
def test_postgres_schema_matches_metadata(postgres_db: str) -> None:
    assert _differences(postgres_db) == []


def _revisions() -> list[str]:
    engine = sa.create_engine("sqlite://")
    with engine.connect() as conn:
        script = ScriptDirectory.from_config(alembic_config(conn))
        revisions = [r.revision for r in script.walk_revisions()]
    engine.dispose()
    return sorted(revisions)


def _value(column: sa.Column[Any], n: int) -> Any:
    """A valid value for any column of ours, by its reflected type."""
    kind = column.type.impl if isinstance(column.type, sa.TypeDecorator) else column.type
    if isinstance(kind, sa.JSON):
        return {"id": f"r{n}", "candidate": {"id": "k1"}}
    if isinstance(kind, sa.Boolean):
        return True
    if isinstance(kind, sa.DateTime):
        return datetime(2024, 5, 1, tzinfo=UTC)
    if isinstance(kind, sa.Float | sa.Numeric):
        return 1.5
    if isinstance(kind, sa.Integer):
        return n
    return f"conn:model:r{n}" if column.name == "record_key" else f"v{n}"


def _fill(engine: sa.Engine) -> dict[str, int]:
    """One row in every table the revision made; returns rows per table."""
    reflected = sa.MetaData()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        reflected.reflect(engine)
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for n, table in enumerate(reflected.sorted_tables):
            if table.name == "alembic_version":
                continue
            row = {
                c.name: _value(c, n)
                for c in table.columns
                # Autoincrementing keys number themselves.
                if not (c.primary_key and isinstance(c.type, sa.Integer) and len(table.primary_key) == 1)
            }
            conn.execute(sa.insert(table).values(**row))
            counts[table.name] = 1
    return counts


def _counts(engine: sa.Engine, names: Iterator[str]) -> dict[str, int]:
    with engine.connect() as conn:
        count = lambda name: int(conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one())  # noqa: E731
        return {name: count(name) for name in names}


# Tables a migration drops on purpose, their rows kept elsewhere: ``server_sync_run`` (server_0008;
# freshness_0002 copied its runs into ``sync_run`` first).
DROPPED = {"server_sync_run"}


def _upgrade_with_data(url: str, revision: str) -> None:
    engine = create_engine(url)
    try:
        upgrade(engine, revision)
        before = _fill(engine)
        upgrade(engine, "heads")
        kept = {name: rows for name, rows in before.items() if name not in DROPPED}
        assert _counts(engine, iter(kept)) == kept
        assert not DROPPED & set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    with Store.open(url) as store, store.engine.connect() as conn:  # opens as is, at every head
        heads = set(ScriptDirectory.from_config(alembic_config(conn)).get_heads())
        assert set(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()) == heads


@pytest.mark.parametrize("revision", _revisions())
def test_sqlite_upgrades_from_every_revision_keeping_data(tmp_path: Path, revision: str) -> None:
    _upgrade_with_data(f"sqlite:///{tmp_path / 'old.db'}", revision)


@pytest.mark.postgres
@pytest.mark.parametrize("revision", _revisions())
def test_postgres_upgrades_from_every_revision_keeping_data(postgres_db: str, revision: str) -> None:
    _upgrade_with_data(postgres_db, revision)


def _rows_of(table: sa.Table, connection_id: str, n: int) -> dict[str, Any]:
    row = {
        c.name: _value(c, n)
        for c in table.columns
        if not (c.primary_key and isinstance(c.type, sa.Integer) and len(table.primary_key) == 1)
    }
    row["connection_id" if "connection_id" in table.c else "id"] = connection_id
    return row


def test_deleting_a_connection_leaves_no_row_of_it_in_any_table(tmp_path: Path) -> None:
    from ashby_connector.store import queries
    from ashby_connector.store.schema_tenancy import connection

    with Store.open(f"sqlite:///{tmp_path / 'a.db'}") as store:
        tables = [*queries.connection_tables(), connection]
        assert len(tables) > 50  # every record table, the sync state, tenancy and webhook tables
        with store.transaction() as conn:
            for n, table in enumerate(tables):
                for i, connection_id in enumerate(("gone", "kept")):
                    conn.execute(sa.insert(table).values(**_rows_of(table, connection_id, 2 * n + i)))
        kept = queries.connection_row_counts(store.engine, "kept")
        assert queries.connection_row_counts(store.engine, "gone") == kept
        with store.transaction() as conn:
            deleted = queries.delete_connection_rows(conn, "gone")
        assert deleted == kept
        assert queries.connection_row_counts(store.engine, "gone") == {}
        assert queries.connection_row_counts(store.engine, "kept") == kept
