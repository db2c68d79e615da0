"""candidateMerge finds a candidate's applications with one indexed query, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest

from ashby_connector.store import Store
from ashby_connector.store.queries import json_path_sql
from ashby_connector.webhooks.store_records import StoreRecords


def _app(app_id: str, candidate_id: str) -> dict[str, object]:
    return {"id": app_id, "updatedAt": "2024-05-01T00:00:00Z", "candidate": {"id": candidate_id}}


def _check(store: Store) -> None:
    apps = [_app(f"a{i:03d}", f"k{i % 7}") for i in range(60)]
    store.upsert_records("c1", "application", apps)
    store.upsert_records("c2", "application", [_app("b1", "k3")])
    store.mark_deleted("c1", "application", ["a003"])
    found = StoreRecords(store).find_records("c1", "application", "candidate.id", "k3")
    expected = [a for a in apps if a["candidate"] == {"id": "k3"} and a["id"] != "a003"]
    assert found == expected  # live records of that connection only, in id order
    assert StoreRecords(store).find_records("c1", "application", "candidate.id", "nobody") == []
    dialect = store.engine.dialect.name
    where = f"connection_id = 'c1' AND {json_path_sql(dialect, 'candidate.id')} = 'k3'"
    with store.engine.connect() as conn:
        if dialect == "sqlite":
            sql = f"EXPLAIN QUERY PLAN SELECT id, raw FROM ashby_application WHERE {where}"
            plan = " ".join(str(r) for r in conn.exec_driver_sql(sql).fetchall())
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")  # a tiny table: ask whether the index fits
            sql = f"EXPLAIN SELECT id, raw FROM ashby_application WHERE {where}"
            plan = " ".join(r[0] for r in conn.exec_driver_sql(sql).fetchall())
    assert "ix_ashby_application_candidate_id" in plan, plan


def test_merge_lookup_uses_the_expression_index_on_sqlite(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        _check(store)


@pytest.mark.postgres
def test_merge_lookup_uses_the_expression_index_on_postgres(postgres_db: str) -> None:
    with Store.open(postgres_db) as store:
        _check(store)


def test_only_plain_names_reach_the_sql() -> None:
    with pytest.raises(ValueError):
        json_path_sql("sqlite", "candidate.id') OR 1=1 --")
