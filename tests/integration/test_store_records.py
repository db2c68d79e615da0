"""The store keeps raw records whole, counts real changes, and checkpoints sync state."""

from __future__ import annotations

from pathlib import Path

import pytest

from ashby_connector.store import KIND_OPERATIONS, Store, StoreError


@pytest.fixture
def store(db_store: Store) -> Store:
    return db_store


def cand(i: int, name: str = "Ada", updated: str = "2024-05-01T10:00:00Z") -> dict[str, object]:
    return {"id": f"c{i:03d}", "name": name, "updatedAt": updated, "emails": [{"value": f"{i}@x.io"}]}


def test_upsert_counts_only_real_changes(store: Store) -> None:
    first = store.upsert_records("default", "candidate", [cand(1), cand(2)])
    assert (first.inserted, first.changed, first.unchanged) == (2, 0, 0)
    again = store.upsert_records("default", "candidate", [cand(1), cand(2, name="Grace")])
    assert (again.inserted, again.changed, again.unchanged) == (0, 1, 1)
    assert again.changes == [("updated", cand(2, name="Grace"))]
    assert store.get("default", "candidate", "c002") == cand(2, name="Grace")
    row = store.get_record("default", "candidate", "c001")
    assert row is not None and row.updated_at is not None and row.updated_at.year == 2024


def test_connections_are_isolated(store: Store) -> None:
    store.upsert_records("acme", "user", [{"id": "u1", "email": "a@acme.io"}])
    assert store.get("other", "user", "u1") is None
    assert store.count("acme", "user") == 1


def test_list_pages_filters_and_deleted(store: Store) -> None:
    store.upsert_records("default", "candidate", [cand(i) for i in range(1, 8)])
    store.mark_deleted("default", "candidate", ["c003"])
    page = store.list("default", "candidate", limit=4)
    assert [r.id for r in page.records] == ["c001", "c002", "c004", "c005"]
    assert page.next_cursor
    rest = store.list("default", "candidate", limit=4, cursor=page.next_cursor)
    assert [r.id for r in rest.records] == ["c006", "c007"] and rest.next_cursor is None
    assert store.get("default", "candidate", "c003") is None
    assert store.get("default", "candidate", "c003", include_deleted=True) == cand(3)
    assert [r.id for r in store.list("default", "candidate", filters={"name": "Ada"}, limit=2).records] == [
        "c001",
        "c002",
    ]
    # Seen again after deletion: alive again, reported as created.
    back = store.upsert_records("default", "candidate", [cand(3)])
    assert back.changes == [("created", cand(3))]


def test_save_page_and_finish_keep_token_after_last_page(store: Store) -> None:
    store.begin_run("default", "candidate", "full")
    store.save_page("default", "candidate", "candidate", [cand(1)], "cursor-2")
    state = store.get_stream_state("default", "candidate")
    assert state.unfinished and state.cursor == "cursor-2" and state.sync_token is None
    store.save_page("default", "candidate", "candidate", [cand(2)], None, finish=True, sync_token="tok-1")
    state = store.get_stream_state("default", "candidate")
    assert not state.unfinished and state.sync_token == "tok-1" and state.cursor is None
    assert state.last_fetched == 2 and state.last_full_sync_at is not None


def test_reconcile_marks_unseen_records_deleted(store: Store) -> None:
    store.upsert_records("default", "job", [{"id": "j1"}, {"id": "j2"}, {"id": "j3"}])
    store.begin_run("default", "job", "full")
    store.save_page("default", "job", "job", [{"id": "j1"}], "c")
    result = store.save_page("default", "job", "job", [{"id": "j3"}], None, finish=True, reconcile="all")
    assert result.deleted == 1 and result.changes == [("deleted", {"id": "j2"})]
    assert store.get("default", "job", "j2") is None and store.count("default", "job") == 2


def test_reset_forgets_token_and_cursor(store: Store) -> None:
    store.begin_run("default", "user", "incremental", run_sync_token="t0")
    store.save_page("default", "user", "user", [], "cur")
    store.reset_stream("default", "user")
    state = store.get_stream_state("default", "user")
    assert state.sync_token is None and state.cursor is None and not state.unfinished


def test_child_records_without_id_are_keyed_by_content(store: Store) -> None:
    store.upsert_records("default", "candidateClientInfo", [{"a": 1}, {"a": 2}], parent_id="c1")
    assert store.count("default", "candidateClientInfo") == 2
    assert [r.parent_id for r in store.list("default", "candidateClientInfo", parent_id="c1").records] == [
        "c1",
        "c1",
    ]


def test_every_catalog_list_has_a_table() -> None:
    from ashby_connector import catalog

    lists = {o.name for o in catalog.operations() if o.is_list and not o.partner_side}
    assert lists == set(KIND_OPERATIONS.values())


def test_bad_urls_give_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="unsupported database"):
        Store.open("mysql://x/y")
    with pytest.raises(StoreError, match="cannot open the database"):
        Store.open("postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    with pytest.raises(StoreError, match="does not exist"):
        Store.open(f"sqlite:///{tmp_path}/missing/dir/a.db")


def test_read_only_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    Store.open(f"sqlite:///{path}").close()
    path.chmod(0o444)
    with pytest.raises(StoreError, match="read-only"):
        Store.open(f"sqlite:///{path}")


@pytest.mark.parametrize(
    "value",
    [
        "2024-05-01T12:34:56.789Z",
        "2024-05-01T12:34:56Z",
        "2024-05-01T12:34:56.1Z",
        "2024-05-01T12:34:56.123456Z",
        "2024-05-01T12:34:56.1234567Z",
        "2024-05-01T12:34:56.789+02:00",
        "2024-02-30T00:00:00.000Z",
        "2024-13-01T00:00:00.000Z",
        "2024-05-01",
        "not a date",
    ],
)
def test_record_ts_fast_path_equals_the_datetime_path(value: str) -> None:
    from ashby_connector.store import queries
    from ashby_connector.store.records import updated_at

    record = {"updatedAt": value, "createdAt": "2020-01-02T03:04:05.006Z"}
    for dialect in ("sqlite", "postgresql"):
        assert queries.record_ts(dialect, record) == queries.ts(dialect, updated_at(record))
    assert queries.record_ts("sqlite", {"createdAt": value}) == queries.ts(
        "sqlite", updated_at({"createdAt": value})
    )


def test_updated_at_round_trips_through_sqlite(store: Store) -> None:
    store.upsert_records("c", "candidate", [{"id": "a", "updatedAt": "2024-05-01T12:34:56.789Z"}])
    stored = store.get_record("c", "candidate", "a")
    assert stored is not None and stored.updated_at is not None
    assert stored.updated_at.isoformat() == "2024-05-01T12:34:56.789000+00:00"


def test_events_a_schedule_no_longer_embeds_are_marked_deleted_with_their_record(store: Store) -> None:
    def schedule(*events: str) -> dict[str, object]:
        return {
            "id": "s1",
            "updatedAt": "2024-05-01T10:00:00Z",
            "interviewEvents": [{"id": e, "interviewScheduleId": "s1", "note": f"event {e}"} for e in events],
        }

    other = {"id": "s2", "interviewEvents": [{"id": "e9", "interviewScheduleId": "s2"}]}
    embedded = ("interviewEvent", "interviewEvents")
    for page in ([schedule("e1", "e2"), other], [schedule("e1")]):
        store.begin_run("default", "interviewSchedule", "full")
        stored = store.save_page(
            "default", "interviewSchedule", "interviewSchedule", page, None, finish=True, embedded=embedded
        )
    assert stored.embedded is not None and stored.embedded.deleted == 1
    assert stored.embedded.changes == [
        ("deleted", {"id": "e2", "interviewScheduleId": "s1", "note": "event e2"})
    ]
    alive = {r.id for r in store.list("default", "interviewEvent", limit=10).records}
    assert alive == {"e1", "e9"}  # a schedule not on the page keeps its events
