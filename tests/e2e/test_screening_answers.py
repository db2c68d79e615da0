"""Screening answers (an application's form submissions) are a child list of applications under the
child-list policies, on SQLite and PostgreSQL, against the emulator over real HTTP: ``eager`` fills
them in a sync, ``lazy`` (the default) fetches them on a server read and stores them, ``changed``
refetches after the application changes, ``off`` never fetches; the unified application model reads
them from the stored rows, and ``sync --plan`` prices them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ashby_connector.client import AshbyClient
from ashby_connector.emulator import EmulatorHandle, run_emulator
from ashby_connector.sync import SyncEngine
from ashby_connector.sync.policies import DEFAULT_CHILD_POLICIES
from tests.e2e.server_harness import Server, run_server

STREAM = "applicationFormSubmission"


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorHandle]:
    with run_emulator(seed=11, candidates=25, rate_limit_per_minute=None) as handle:
        yield handle


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, emu: EmulatorHandle, tmp_path: Path) -> Iterator[Server]:
    url = (
        f"sqlite:///{tmp_path / 's.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_db")
    )
    with run_server(emu.base_url, url) as running:
        yield running


def _connect(server: Server, emu: EmulatorHandle) -> tuple[httpx.Client, str]:
    http = server.tenant("screening")
    cid = server.connect(http, emu.api_key, sync=False)
    http.headers["X-Connection-Id"] = cid
    return http, cid


def _sync(server: Server, cid: str, policy: str | None, **kw: Any) -> dict[str, Any]:
    children = {STREAM: policy} if policy else None
    report = SyncEngine(
        server.core.clients.require(cid), server.core.store, cid, children=children, **kw
    ).run()
    assert report.ok, report.to_dict()
    return {s.stream: s for s in report.streams}


def _info_requests(server: Server, cid: str) -> int:
    return server.core.clients.require(cid).requests_sent.get("application.info", 0)


def _truth(emu: EmulatorHandle) -> dict[str, list[dict[str, Any]]]:
    """Every application's form submissions, as Ashby answers them (one info read each)."""
    with AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None) as client:
        apps = [a for page in client.pages("application.list", {}) for a in page.results]
        return {
            a["id"]: client.call(
                "application.info", {"applicationId": a["id"], "expand": ["applicationFormSubmissions"]}
            )["applicationFormSubmissions"]
            for a in apps
        }


def _answers(submissions: list[dict[str, Any]]) -> dict[str, Any]:
    return {path: value for s in submissions for path, value in s["submittedValues"].items()}


def _stored(server: Server, cid: str, app_id: str) -> list[dict[str, Any]]:
    return [r.raw for r in server.core.store.list(cid, STREAM, parent_id=app_id, limit=100).records]


def _all_apps(http: httpx.Client) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        body = http.get("/resources/atsApplication", params=params).json()
        out += body["data"]
        if not body["next"]:
            return out
        params["cursor"] = body["next"]


def test_eager_fills_them_in_a_sync_and_the_model_reads_the_stored_rows(
    server: Server, emu: EmulatorHandle
) -> None:
    truth = _truth(emu)
    assert any(truth.values()) and not all(truth.values())  # some applications have none
    http, cid = _connect(server, emu)
    plan = SyncEngine(
        server.core.clients.require(cid), server.core.store, cid, children={STREAM: "eager"}
    ).plan()
    (priced,) = [s for s in plan.streams if s.stream == STREAM]
    assert (priced.stage, priced.requests, priced.parents) == ("child", len(truth), len(truth))
    before = _info_requests(server, cid)
    by = _sync(server, cid, "eager")
    assert by[STREAM].requests == len(truth) == _info_requests(server, cid) - before
    for app_id, submissions in truth.items():
        assert sorted(_stored(server, cid, app_id), key=lambda s: s["id"]) == sorted(
            submissions, key=lambda s: s["id"]
        )
    read = {a["id"]: a["screeningAnswers"] for a in _all_apps(http)}
    assert set(read) == set(truth)
    for app_id, submissions in truth.items():
        assert read[app_id] is not None  # fetched: [] when the application has none
        assert {a["path"]: a["value"] for a in read[app_id]} == _answers(submissions)
    one = next(i for i, s in truth.items() if s)
    questions = {a["path"]: a["question"] for a in read[one]}
    assert questions["work_authorization"] == "Work authorization"
    # Retrieving from the store asks Ashby nothing: eager already stored them.
    asked = _info_requests(server, cid)
    assert http.get(f"/resources/atsApplication/{one}").json()["data"]["screeningAnswers"] == read[one]
    assert _info_requests(server, cid) == asked


def test_lazy_is_the_default_fetches_on_read_stores_and_refetches_once_the_application_changed(
    server: Server, emu: EmulatorHandle
) -> None:
    assert DEFAULT_CHILD_POLICIES[STREAM] == "lazy"
    http, cid = _connect(server, emu)
    plan = SyncEngine(server.core.clients.require(cid), server.core.store, cid).plan()
    (priced,) = [s for s in plan.streams if s.stream == STREAM]
    assert (priced.stage, priced.requests) == ("lazy", 0)
    before = _info_requests(server, cid)
    by = _sync(server, cid, None)
    assert (by[STREAM].mode, by[STREAM].requests) == ("lazy", 0)
    assert _info_requests(server, cid) == before
    assert all(a["screeningAnswers"] is None for a in _all_apps(http))  # never fetched: unknown
    truth = _truth(emu)
    app_id = next(i for i, s in truth.items() if s)

    first = http.get(f"/resources/atsApplication/{app_id}").json()["data"]
    assert _info_requests(server, cid) == before + 1
    assert {a["path"]: a["value"] for a in first["screeningAnswers"]} == _answers(truth[app_id])
    assert _stored(server, cid, app_id) == truth[app_id]
    listed = {a["id"]: a for a in _all_apps(http)}
    assert listed[app_id]["screeningAnswers"] == first["screeningAnswers"]  # lists read the rows
    http.get(f"/resources/atsApplication/{app_id}")
    assert _info_requests(server, cid) == before + 1  # fresh: no request

    emu.control.mutate(kind="application", ids=[app_id], set={"source": None})
    _sync(server, cid, None, streams=["application"])
    again = http.get(f"/resources/atsApplication/{app_id}").json()["data"]
    assert _info_requests(server, cid) == before + 2  # the application changed after the fetch
    assert again["screeningAnswers"] == first["screeningAnswers"]
    assert http.get("/resources/atsApplication/nope").status_code == 404
    assert _info_requests(server, cid) == before + 2  # an unknown application asks nothing


def test_changed_fetches_only_applications_that_change_after_the_first_run(
    server: Server, emu: EmulatorHandle
) -> None:
    http, cid = _connect(server, emu)
    first = _sync(server, cid, "changed")
    assert (first[STREAM].mode, first[STREAM].requests) == ("changed (from now)", 0)
    moved = emu.control.mutate(kind="application", count=3, set={"source": None})
    second = _sync(server, cid, "changed")
    assert second[STREAM].requests == 3
    truth = _truth(emu)
    with_rows = {r.parent_id for r in server.core.store.list(cid, STREAM, limit=1000).records}
    assert with_rows == {m for m in moved if truth[m]}
    read = {a["id"]: a["screeningAnswers"] for a in _all_apps(http)}
    assert {i for i, answers in read.items() if answers is not None} == set(moved)


def test_off_never_fetches_not_even_on_read(server: Server, emu: EmulatorHandle) -> None:
    http, cid = _connect(server, emu)
    put = http.put(f"/connections/{cid}/child-policies", json={"childPolicies": {STREAM: "off"}})
    assert put.status_code == 200, put.text
    before = _info_requests(server, cid)
    by = _sync(server, cid, "off")
    assert (by[STREAM].mode, by[STREAM].requests) == ("off", 0)
    plan = SyncEngine(
        server.core.clients.require(cid), server.core.store, cid, children={STREAM: "off"}
    ).plan()
    assert [(s.stage, s.requests) for s in plan.streams if s.stream == STREAM] == [("off", 0)]
    app_id = next(i for i, s in _truth(emu).items() if s)
    read = http.get(f"/resources/atsApplication/{app_id}").json()["data"]
    assert read["screeningAnswers"] is None
    assert _info_requests(server, cid) == before
    # A live read carries them (it is the record's own read) but stores none.
    live = http.get(f"/resources/atsApplication/{app_id}", params={"live": "true"}).json()["data"]
    assert live["screeningAnswers"]
    assert server.core.store.count(cid, STREAM) == 0


def test_a_live_read_keeps_its_answers_as_rows_not_in_the_application(
    server: Server, emu: EmulatorHandle
) -> None:
    http, cid = _connect(server, emu)
    _sync(server, cid, None)
    truth = _truth(emu)
    app_id = next(i for i, s in truth.items() if s)
    live = http.get(
        f"/resources/atsApplication/{app_id}", params={"live": "true", "includeRemoteData": "true"}
    )
    data = live.json()["data"]
    assert data["remoteData"]["applicationFormSubmissions"] == truth[app_id]  # as Ashby sent it
    assert _stored(server, cid, app_id) == truth[app_id]
    stored_app = server.core.store.get(cid, "application", app_id)
    assert stored_app is not None and "applicationFormSubmissions" not in stored_app
    asked = _info_requests(server, cid)
    assert (
        http.get(f"/resources/atsApplication/{app_id}").json()["data"]["screeningAnswers"]
        == data["screeningAnswers"]
    )
    assert _info_requests(server, cid) == asked
