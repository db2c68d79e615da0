"""The sync engine against a small in-memory fake of Ashby's list semantics."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ashby_connector.errors import APIError, AuthenticationError, ServerError, SyncTokenExpiredError
from ashby_connector.store import Store
from ashby_connector.sync import Mode, SyncAbortedError, SyncEngine
from ashby_connector.sync.report import StreamResult, SyncReport

STREAMS = ["candidate", "candidateNote", "user", "job", "source"]


@dataclass
class FakePage:
    results: list[dict[str, Any]]
    next_cursor: str | None
    sync_token: str | None
    more_data_available: bool

    @property
    def is_last(self) -> bool:
        return not self.more_data_available


class Killed(BaseException):
    """Stands in for kill -9: nothing after it runs, not even except Exception handlers."""


class FakeAshby:
    """Lists with cursor + syncToken over versioned records; child notes per candidate."""

    def __init__(self, candidates: int = 25) -> None:
        self.seq = itertools.count(1)
        self.lists: dict[str, dict[str, dict[str, Any]]] = {
            "candidate.list": {},
            "user.list": {},
            "job.list": {},
            "source.list": {},
        }
        self.versions: dict[tuple[str, str], int] = {}
        self.notes: dict[str, list[dict[str, Any]]] = {}
        for i in range(candidates):
            self.put("candidate.list", {"id": f"c{i:03d}", "name": f"Cand {i}"})
            self.notes[f"c{i:03d}"] = [{"id": f"n{i:03d}", "content": "hello"}]
        for i in range(3):
            self.put("user.list", {"id": f"u{i}", "email": f"u{i}@x.io"})
            self.put("job.list", {"id": f"j{i}", "title": f"Job {i}"})
            self.put("source.list", {"id": f"s{i}", "title": f"Source {i}"})
        self.requests: list[str] = []
        self.kill_after: int | None = None
        self.expired_tokens: set[str] = set()
        self.fail_ops: set[str] = set()
        self.not_enabled_ops: set[str] = set()
        self.scopes: list[str] | None = None

    def put(self, op: str, record: dict[str, Any]) -> None:
        self.lists[op][record["id"]] = record
        self.versions[(op, record["id"])] = next(self.seq)

    def call(self, operation: str, body: dict[str, Any] | None = None) -> Any:
        self.requests.append(operation)
        assert operation == "apiKey.info"
        return {"title": "k", "scopes": self.scopes} if self.scopes is not None else {"title": "k"}

    def pages(
        self,
        operation: str,
        body: dict[str, Any] | None = None,
        *,
        sync_token: str | None = None,
        cursor: str | None = None,
        limit: int | None = 100,
    ) -> Iterator[FakePage]:
        body = dict(body or {})
        while True:
            if self.kill_after is not None and len(self.requests) >= self.kill_after:
                raise Killed
            self.requests.append(operation)
            if operation in self.fail_ops:
                raise ServerError("boom", code="generic_internal_error", http_status=500)
            if operation in self.not_enabled_ops:
                raise APIError("not enabled for this account", code="feature_not_enabled")
            if sync_token in self.expired_tokens:
                raise SyncTokenExpiredError("expired", code="sync_token_expired")
            if operation == "candidate.listNotes":
                rows = list(self.notes.get(body["candidateId"], []))
            else:
                since = int(sync_token.split(":")[1]) if sync_token else 0
                rows = [
                    r
                    for rid, r in sorted(self.lists.get(operation, {}).items())
                    if self.versions[(operation, rid)] > since
                ]
            if limit is None:
                yield FakePage(rows, None, None, False)
                return
            offset = int(cursor or 0)
            chunk = rows[offset : offset + 10]  # small pages so tests see several
            more = offset + 10 < len(rows)
            token = None if more else f"tok:{max(self.versions.values())}"
            yield FakePage(chunk, str(offset + 10) if more else None, token, more)
            if not more:
                return
            cursor = str(offset + 10)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'ashby.db'}") as s:
        yield s


def ids(store: Store, kind: str) -> set[str]:
    return {r.id for r in store.list("default", kind, limit=10_000).records}


def test_full_then_incremental_fetches_only_changes(store: Store) -> None:
    fake = FakeAshby()
    report = SyncEngine(fake, store, streams=STREAMS).run()
    assert report.ok, report
    assert ids(store, "candidate") == set(fake.lists["candidate.list"])
    assert store.count("default", "candidateNote") == 25
    full_requests = len(fake.requests)

    fake.requests.clear()
    fake.put("candidate.list", {"id": "c003", "name": "Renamed"})
    fake.notes["c003"].append({"id": "n-new", "content": "second"})
    fake.put("candidate.list", {"id": "c999", "name": "New"})
    report = SyncEngine(fake, store, streams=STREAMS).run()
    assert report.ok
    by = {r.stream: r for r in report.streams}
    assert by["candidate"].mode == "incremental" and by["candidate"].fetched == 2
    assert by["candidate"].changed == 2
    # Notes only for the two candidates that changed.
    assert fake.requests.count("candidate.listNotes") == 2
    assert by["source"].mode == "full" and by["source"].changed == 0
    assert store.get("default", "candidate", "c003") == {"id": "c003", "name": "Renamed"}
    assert store.get("default", "candidateNote", "n-new") is not None
    assert len(fake.requests) < full_requests / 3


def test_killed_sync_resumes_and_converges(store: Store) -> None:
    fake = FakeAshby(candidates=95)
    fake.kill_after = 6
    with pytest.raises(Killed):
        SyncEngine(fake, store, streams=["candidate"], concurrency=1).run()
    stored_before = store.count("default", "candidate")
    assert 0 < stored_before < 95
    state = store.get_stream_state("default", "candidate")
    assert state.unfinished and state.cursor and state.sync_token is None
    fake.kill_after = None
    fake.requests.clear()
    report = SyncEngine(fake, store, streams=["candidate"]).run()
    assert report.ok and report.streams[0].mode == "resumed full"
    # It picked up after the last stored page: no page fetched twice.
    assert report.streams[0].fetched == 95 - stored_before
    assert ids(store, "candidate") == set(fake.lists["candidate.list"])
    assert store.get_stream_state("default", "candidate").sync_token


def test_expired_token_falls_back_to_full_and_says_so(store: Store) -> None:
    fake = FakeAshby()
    SyncEngine(fake, store, streams=["user"]).run()
    token = store.get_stream_state("default", "user").sync_token
    assert token
    fake.expired_tokens.add(token)
    fake.put("user.list", {"id": "u9", "email": "u9@x.io"})
    notes: list[str] = []
    report = SyncEngine(
        fake,
        store,
        streams=["user"],
        on_progress=lambda e: notes.append(e.message or "") if e.kind == "warning" else None,
    ).run()
    assert report.ok
    assert report.streams[0].mode == "full (fallback)"
    assert any("sync_token_expired" in n and "full sync" in n for n in notes)
    assert store.get_stream_state("default", "user").sync_token != token


def test_reconcile_marks_vanished_records_deleted(store: Store) -> None:
    fake = FakeAshby()
    SyncEngine(fake, store, streams=["job"]).run()
    del fake.lists["job.list"]["j1"]
    changes: list[tuple[str, str, str]] = []
    report = SyncEngine(
        fake,
        store,
        streams=["job"],
        mode=Mode.RECONCILE,
        on_change=lambda kind, rec, change: changes.append((kind, rec["id"], change)),
    ).run()
    assert report.streams[0].deleted == 1
    assert ids(store, "job") == {"j0", "j2"}
    assert changes == [("job", "j1", "deleted")]


def test_missing_permissions_skip_streams_with_one_warning(store: Store) -> None:
    fake = FakeAshby()
    fake.scopes = ["organizationRead"]
    warnings: list[str] = []
    report = SyncEngine(
        fake, store, on_progress=lambda e: warnings.append(e.message or "") if e.kind == "warning" else None
    ).run()
    synced = {r.stream for r in report.streams}
    assert "user" in synced and not synced & {"candidate", "job", "candidateNote"}
    assert report.ok
    assert len(report.warnings) == 1 and "candidatesRead" in report.warnings[0]
    assert warnings == report.warnings
    # Named explicitly, a stream the key cannot read makes the sync unsuccessful.
    report = SyncEngine(fake, store, streams=["user", "candidate"]).run()
    assert not report.ok and {r.stream: r.status for r in report.streams}["candidate"] == "skipped"


def test_one_failing_stream_does_not_stop_the_others(store: Store) -> None:
    fake = FakeAshby()
    fake.fail_ops.add("job.list")
    report = SyncEngine(fake, store, streams=STREAMS).run()
    by = {r.stream: r for r in report.streams}
    assert by["job"].status == "failed" and "boom" in (by["job"].error or "")
    assert by["candidate"].status == "ok" and by["user"].status == "ok"
    assert not report.ok
    assert store.get_stream_state("default", "job").last_error


def test_refused_key_aborts_before_touching_the_store(store: Store) -> None:
    class Refused(FakeAshby):
        def call(self, operation: str, body: dict[str, Any] | None = None) -> Any:
            raise AuthenticationError("bad key", code="invalid_api_key", http_status=403)

    with pytest.raises(SyncAbortedError, match="refused"):
        SyncEngine(Refused(), store).run()
    assert store.stream_states("default") == []


def test_unknown_stream_is_a_clear_error(store: Store) -> None:
    with pytest.raises(SyncAbortedError, match="unknown stream"):
        SyncEngine(FakeAshby(), store, streams=["nope"]).run()


def test_a_feature_the_account_lacks_is_unavailable_not_failed() -> None:
    """Ashby answers `audit_logs_not_enabled` for accounts without audit logs: nothing to copy."""
    report = SyncReport("c")
    report.streams.append(StreamResult("user"))
    report.streams.append(StreamResult("auditLog", status="unavailable", error="not enabled"))
    assert report.ok
    report.streams.append(StreamResult("job", status="failed", error="boom"))
    assert not report.ok


def test_children_of_an_unavailable_parent_are_unavailable_too(store: Store) -> None:
    fake = FakeAshby()
    fake.not_enabled_ops.add("candidate.list")
    report = SyncEngine(fake, store).run()  # every stream, as a plain `ashby-connector sync`
    by = {r.stream: r for r in report.streams}
    assert by["candidate"].status == "unavailable"
    assert by["candidateNote"].status == "unavailable" and not by["candidateNote"].error.endswith("failed")
    assert "candidate.listNotes" not in fake.requests
    assert by["user"].status == "ok"
    assert report.ok, [(r.stream, r.status, r.error) for r in report.streams if not r.finished]


def test_pages_are_not_collected_young_while_a_sync_runs_and_the_threshold_comes_back(
    store: Store,
) -> None:
    import gc
    import threading

    from ashby_connector.sync.young_gc import YOUNG_THRESHOLD, relaxed_gc

    before = gc.get_threshold()
    seen: list[int] = []
    report = SyncEngine(
        FakeAshby(), store, streams=STREAMS, on_progress=lambda _e: seen.append(gc.get_threshold()[0])
    ).run()
    assert report.ok and seen and gc.get_threshold() == before
    assert max(seen) == max(YOUNG_THRESHOLD, before[0])
    # Syncs overlapping in one process (the server's runner): restored when the last one ends.
    first, second = threading.Event(), threading.Event()
    with relaxed_gc():

        def other() -> None:
            with relaxed_gc():
                first.set()
                second.wait(10)

        thread = threading.Thread(target=other)
        thread.start()
        first.wait(10)
    assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])  # the other sync still runs
    second.set()
    thread.join(10)
    assert gc.get_threshold() == before
