"""Plain pages of unified records come from records rendered before (``core/resources/pages.py``):
the answers are byte for byte the general path's, and a write from anywhere (a sync, a webhook, a
field mapping, a joined posting, a deletion) shows in the next read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from ashby_connector import unified
from ashby_connector.core.resources import records as res
from ashby_connector.emulator import EmulatorHandle
from tests.e2e.server_harness import Server, run_server


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server(
    request: pytest.FixtureRequest,
    resettable_emulator: EmulatorHandle,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    """One synced copy per database for the whole file: each test changes records of its own."""
    if request.param == "postgresql":
        db_url = str(request.getfixturevalue("postgres_module_db"))
    else:
        db_url = f"sqlite:///{tmp_path_factory.mktemp('cache') / 'server.db'}"
    resettable_emulator.control.reset()
    with run_server(resettable_emulator.base_url, db_url) as srv:
        yield srv


@pytest.fixture(scope="module")
def http(server: Server, resettable_emulator: EmulatorHandle) -> Iterator[httpx.Client]:
    client = server.tenant("cache")
    client.headers["X-Connection-Id"] = server.connect(client, resettable_emulator.api_key)
    yield client
    client.close()


def _pages(http: httpx.Client, model: str, **params: Any) -> list[bytes]:
    """Every page of ``model`` as the bytes the server sent."""
    answers, cursor = [], None
    while True:
        query = {"limit": 7, **params, **({"cursor": cursor} if cursor else {})}
        answer = http.get(f"/resources/{model}", params=query)
        assert answer.status_code == 200, answer.text
        answers.append(answer.content)
        cursor = answer.json()["next"]
        if cursor is None:
            return answers


def _general(server: Server, http: httpx.Client, model: str, **params: Any) -> list[bytes]:
    """The same pages read the general way (the cache off, as ``read_cache_mb=0`` sets it)."""
    cache = server.core.render_cache
    size, cache.max_bytes = cache.max_bytes, 0
    try:
        return _pages(http, model, **params)
    finally:
        cache.max_bytes = size


def _cached_models(server: Server, http: httpx.Client) -> list[str]:
    conn = http.headers["X-Connection-Id"]
    row = server.core.tenancy.get_connection(server.tenant_of(conn), conn)
    assert row is not None
    return [
        spec.name
        for spec in unified.models()
        if spec.read_unavailable is None
        and res.resolve_model(server.core.resources, row, spec.name).cache_key is not None
    ]


def _records(http: httpx.Client, model: str) -> list[dict[str, Any]]:
    return [r for page in _pages(http, model) for r in orjson.loads(page)["data"]]


def test_plain_pages_and_records_are_the_general_paths_bytes_cold_and_warm_for_every_model(
    server: Server, http: httpx.Client
) -> None:
    models = _cached_models(server, http)
    assert {"atsCandidate", "atsJob", "genericUser", "atsOffer"} <= set(models)
    for model in models:
        for raw in ("false", "true"):
            general = _general(server, http, model, includeRemoteData=raw)
            cold = _pages(http, model, includeRemoteData=raw)
            warm = _pages(http, model, includeRemoteData=raw)
            assert cold == general and warm == general, (model, raw)
        assert orjson.loads(general[0])["data"], model  # a model with no records proves nothing
        for record in orjson.loads(general[0])["data"][:3]:
            for raw in ("false", "true"):
                path = f"/resources/{model}/{record['id']}"
                server.core.render_cache.max_bytes = 0
                expected = http.get(path, params={"includeRemoteData": raw})
                server.core.render_cache.max_bytes = 64 * 1024 * 1024
                assert expected.status_code == 200, expected.text
                for _ in ("cold", "warm"):
                    assert http.get(path, params={"includeRemoteData": raw}).content == expected.content
    assert len(server.core.render_cache) > 0


def test_a_cursor_from_one_path_continues_on_the_other(server: Server, http: httpx.Client) -> None:
    general = [r["id"] for page in _general(server, http, "atsCandidate") for r in orjson.loads(page)["data"]]
    seen: list[str] = []
    cursor = None
    for turn in range(100):
        if turn % 2:
            server.core.render_cache.max_bytes = 0
        page = http.get(
            "/resources/atsCandidate", params={"limit": 9, **({"cursor": cursor} if cursor else {})}
        )
        server.core.render_cache.max_bytes = 64 * 1024 * 1024
        seen += [r["id"] for r in page.json()["data"]]
        cursor = page.json()["next"]
        if cursor is None:
            break
    assert seen == general and len(seen) == len(set(seen))


def test_a_changed_or_deleted_record_shows_in_the_next_read(server: Server, http: httpx.Client) -> None:
    conn = http.headers["X-Connection-Id"]
    store = server.core.store
    before = _records(http, "atsCandidate")  # rendered and kept
    first, second = before[-1]["id"], before[-2]["id"]
    raw = store.get(conn, "candidate", first)
    assert raw is not None
    # What a sync worker or a webhook in another process writes: the row, nothing else.
    store.upsert_records(conn, "candidate", [{**raw, "name": "Renamed By A Sync"}])
    store.mark_deleted(conn, "candidate", [second])
    after = {r["id"]: r for r in _records(http, "atsCandidate")}
    assert after[first]["name"] == "Renamed By A Sync"
    assert http.get(f"/resources/atsCandidate/{first}").json()["data"]["name"] == "Renamed By A Sync"
    assert second not in after
    assert http.get(f"/resources/atsCandidate/{second}").status_code == 404
    assert len(after) == len(before) - 1
    assert _pages(http, "atsCandidate") == _general(server, http, "atsCandidate")


def test_a_change_to_a_joined_posting_shows_in_its_job(server: Server, http: httpx.Client) -> None:
    conn = http.headers["X-Connection-Id"]
    store = server.core.store
    jobs = {j["id"]: j for j in _records(http, "atsJob")}
    raw_job = next(r.raw for r in store.list(conn, "job", limit=1000).records if r.raw.get("jobPostingIds"))
    job = jobs[raw_job["id"]]
    posting_id = raw_job["jobPostingIds"][0]
    posting = store.get(conn, "jobPosting", posting_id)
    assert posting is not None
    store.upsert_records(conn, "jobPosting", [{**posting, "descriptionPlain": "Changed in the posting"}])
    changed = {j["id"]: j for j in _records(http, "atsJob")}[job["id"]]
    assert changed != job
    assert "Changed in the posting" in orjson.dumps(changed).decode()
    assert _pages(http, "atsJob") == _general(server, http, "atsJob")
    store.mark_deleted(conn, "jobPosting", [posting_id])
    assert _pages(http, "atsJob") == _general(server, http, "atsJob")


def test_a_field_mapping_applies_at_once(server: Server, http: httpx.Client) -> None:
    conn = http.headers["X-Connection-Id"]
    titled = [
        (r.id, f["title"])
        for r in (server.core.store.list(conn, "candidate", limit=1000).records)
        for f in (r.raw.get("customFields") or [])
        if isinstance(f, dict) and f.get("title")
    ]
    assert titled, "the seeded candidates have custom fields"
    cid, title = titled[0]
    _records(http, "atsCandidate")
    put = http.put(
        f"/connections/{conn}/field-mappings/atsCandidate",
        json={"entries": [{"unifiedField": "mapped", "ashbyFieldTitle": title}]},
    )
    assert put.status_code == 200, put.text
    mapped = {r["id"]: r for r in _records(http, "atsCandidate")}[cid]
    assert "mapped" in mapped["customFields"]
    assert _pages(http, "atsCandidate") == _general(server, http, "atsCandidate")


def test_a_deleted_connection_leaves_nothing_rendered(
    server: Server, http: httpx.Client, resettable_emulator: EmulatorHandle
) -> None:
    other = server.tenant("cache-other")
    conn = server.connect(other, resettable_emulator.api_key, sync=False)
    other.headers["X-Connection-Id"] = conn
    copied = [
        r.raw for r in server.core.store.list(http.headers["X-Connection-Id"], "candidate", limit=5).records
    ]
    server.core.store.upsert_records(conn, "candidate", copied)
    assert len(_records(other, "atsCandidate")) == 5
    assert server.core.render_cache.count(conn) == 5
    assert other.delete(f"/connections/{conn}").status_code in (200, 204)
    assert server.core.render_cache.count(conn) == 0
    assert server.core.render_cache.count(http.headers["X-Connection-Id"]) > 0


def test_custom_models_and_updated_after_pages_match_the_general_path(
    server: Server, http: httpx.Client
) -> None:
    conn = http.headers["X-Connection-Id"]
    put = http.put(
        f"/connections/{conn}/custom-models/plans",
        json={"operation": "interviewPlan.list", "fields": {"title": "title", "archived": "isArchived"}},
    )
    assert put.status_code == 200, put.text
    for raw in ("false", "true"):
        general = _general(server, http, "plans", includeRemoteData=raw)
        assert orjson.loads(general[0])["data"]
        assert _pages(http, "plans", includeRemoteData=raw) == general
        assert _pages(http, "plans", includeRemoteData=raw) == general
    assert server.core.render_cache.count(conn) > 0
    stamps = sorted(r["updatedAt"] for r in _records(http, "atsCandidate") if r["updatedAt"])
    since = stamps[len(stamps) // 2]
    newer = _pages(http, "atsCandidate", updatedAfter=since)
    assert newer == _general(server, http, "atsCandidate", updatedAfter=since)
    found = [r for page in newer for r in orjson.loads(page)["data"]]
    assert found and len(found) < len(stamps)
