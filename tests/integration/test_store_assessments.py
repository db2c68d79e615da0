"""The assessment tables' guarantees, on SQLite and PostgreSQL: one running assessment per candidate
and type, one report per idempotency key, a report taken by one process at a time."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ashby_connector.store import Store
from ashby_connector.store.assessments import AlreadyBeingAssessedError, AssessmentRepository


def _check(url: str) -> None:
    with Store.open(url) as store:
        repo = AssessmentRepository(store)
        running = {
            "connection_id": "c1",
            "assessment_type_id": "t1",
            "candidate_id": "cand",
            "origin": "ashby",
            "status": "Started",
            "active_key": "c1:cand:t1",
        }
        repo.insert_assessment({"id": "a1", **running})
        with pytest.raises(AlreadyBeingAssessedError):
            repo.insert_assessment({"id": "a2", **running})
        assert repo.get("a2") is None
        repo.update("a1", status="Completed")
        assert repo.get("a1")["active_key"] is None  # type: ignore[index]
        repo.insert_assessment({"id": "a2", **running})  # done: the candidate may take it again

        report = {
            "assessment_id": "a2",
            "connection_id": "c1",
            "idempotency_key": "k",
            "request_hash": "h",
            "kind": "progress",
            "operation": "assessment.update",
            "body": {"assessment_id": "a2"},
        }
        first = repo.add_report(report, {"status": "InProgress", "progress": "Invited"})
        assert first is not None and repo.get("a2")["progress"] == "Invited"  # type: ignore[index]
        assert repo.add_report(report) is None  # same key: refused, nothing changed
        assert len(repo.reports_of("a2")) == 1
        assert repo.claim(first, time.time() + 60)
        assert not repo.claim(first, time.time() + 60)  # another process cannot take it too
        repo.settle(first.id, status="pending", error="APIConnectionError", next_attempt_at=0.0)
        assert [r.id for r in repo.due_reports(time.time())] == [first.id]


def test_sqlite(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 'a.db'}")


@pytest.mark.postgres
def test_postgres(postgres_db: str) -> None:
    _check(postgres_db)
