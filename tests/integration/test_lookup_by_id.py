"""Lookups by id read a bounded number of rows whatever the store holds: every model is found
through an index, attachments (kept inside candidates) included. 20,000 candidates, seeded directly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from ashby_connector import unified
from tests.integration.server_fakes import Harness, harness

CANDIDATES = 20_000


def candidate(i: int) -> dict[str, Any]:
    files = [{"id": f"file-{i}", "name": f"cv-{i}.pdf", "handle": f"h-{i}"}]
    return {
        "id": f"cand-{i:05d}",
        "name": f"Person {i}",
        "createdAt": "2024-01-01T00:00:00Z",
        "updatedAt": "2024-01-02T00:00:00Z",
        "fileHandles": files,
        "resumeFileHandle": {"id": f"resume-{i}", "name": f"resume-{i}.pdf", "handle": f"r-{i}"},
    }


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Harness, dict[str, str]]]:
    with harness(tmp_path_factory.mktemp("lookup")) as h:
        conn = h.connection(h.tenant())
        cid = conn["X-Connection-Id"]
        for start in range(0, CANDIDATES, 5000):
            h.core.store.upsert_records(cid, "candidate", [candidate(i) for i in range(start, start + 5000)])
        yield h, conn


class Statements:
    """Every SQL statement the server runs while active, with its parameters."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.seen: list[tuple[str, Any]] = []

    def __enter__(self) -> Statements:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        self.seen.append((statement, parameters))

    def full_scans(self) -> list[str]:
        """Statements whose SQLite plan scans a table instead of searching an index."""
        scans = []
        with self.engine.connect() as conn:
            for statement, parameters in self.seen:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
                details = [str(row[-1]) for row in plan]
                if any(d.startswith("SCAN") and ("ashby_" in d or "record_piece" in d) for d in details):
                    scans.append(f"{statement} -> {details}")
        return scans


def test_an_attachment_is_found_by_id_among_20000_candidates_through_indexes(
    seeded: tuple[Harness, dict[str, str]],
) -> None:
    h, conn = seeded
    with Statements(h.core.store.engine) as sql:
        answer = h.http.get("/resources/atsAttachment/file-19999", headers=conn)
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert (data["id"], data["candidateId"]) == ("file-19999", "cand-19999")
    assert sql.full_scans() == []
    record_reads = [s for s, _ in sql.seen if "ashby_candidate" in s or "record_piece" in s]
    assert len(record_reads) <= 3, record_reads  # the piece index, then the candidate by key
    resume = h.http.get("/resources/atsAttachment/resume-7", headers=conn).json()["data"]
    assert resume["isResume"] is True and resume["candidateId"] == "cand-00007"
    assert h.http.get("/resources/atsAttachment/file-nope", headers=conn).status_code == 404


def test_a_changed_candidate_moves_its_files_in_the_index(seeded: tuple[Harness, dict[str, str]]) -> None:
    h, conn = seeded
    moved = {**candidate(5), "fileHandles": [{"id": "file-new-5", "name": "new.pdf", "handle": "n"}]}
    h.core.store.upsert_records(conn["X-Connection-Id"], "candidate", [moved])
    assert h.http.get("/resources/atsAttachment/file-5", headers=conn).status_code == 404
    assert h.http.get("/resources/atsAttachment/file-new-5", headers=conn).status_code == 200


@pytest.mark.parametrize(
    "model",
    [spec.name for spec in unified.models() if spec.explode is None and spec.read_unavailable is None],
)
def test_every_other_model_reads_one_record_by_primary_key(
    seeded: tuple[Harness, dict[str, str]], model: str
) -> None:
    h, conn = seeded
    with Statements(h.core.store.engine) as sql:
        answer = h.http.get(f"/resources/{model}/cand-19998", headers=conn)
    assert answer.status_code in (200, 404)
    assert sql.full_scans() == []
