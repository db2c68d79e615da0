"""The questions of ``store.insights`` look records up through the JSON indexes of agents_0001,
on both databases, and read only the connection's live records."""

from __future__ import annotations

from pathlib import Path

import pytest

from ashby_connector.store import Store, insights, table_name
from ashby_connector.store.queries import JSON_INDEXES, json_path_sql

LOOKUPS = [
    ("application", "job.id"),
    ("interviewSchedule", "applicationId"),
    ("offer", "applicationId"),
    ("applicationFeedback", "applicationId"),
    ("interviewEvent", "startTime"),
]


def _plan(store: Store, kind: str, path: str) -> str:
    dialect = store.engine.dialect.name
    where = f"connection_id = 'c1' AND {json_path_sql(dialect, path)} = 'x'"
    sql = f"SELECT raw FROM {table_name(kind)} WHERE {where}"
    with store.engine.connect() as conn:
        if dialect == "sqlite":
            return " ".join(str(r) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").fetchall())
        conn.exec_driver_sql("SET enable_seqscan = off")  # empty tables: ask whether the index fits
        return " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}").fetchall())


def _check(store: Store) -> None:
    for kind, path in LOOKUPS:
        assert JSON_INDEXES[(kind, path)] in _plan(store, kind, path), (kind, path)
    apps = [{"id": f"a{i}", "job": {"id": f"j{i % 3}"}, "status": "Active"} for i in range(9)]
    store.upsert_records("c1", "application", apps)
    store.upsert_records("c2", "application", [{"id": "b1", "job": {"id": "j0"}, "status": "Active"}])
    store.mark_deleted("c1", "application", ["a3"])
    found = insights.records_at(store.engine, "c1", "application", "job.id", ["j0"])
    assert sorted(a["id"] for a in found) == ["a0", "a6"]  # a3 is deleted, b1 another connection's
    assert sorted(a["id"] for a in insights.active_applications(store.engine, "c1", ["j1", "j2"])) == [
        "a1",
        "a2",
        "a4",
        "a5",
        "a7",
        "a8",
    ]


def test_lookups_use_the_indexes_on_sqlite(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        _check(store)


@pytest.mark.postgres
def test_lookups_use_the_indexes_on_postgres(postgres_db: str) -> None:
    with Store.open(postgres_db) as store:
        _check(store)
