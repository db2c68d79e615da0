"""One pagination abstraction: pages of plain dicts for sync, records for apps, syncToken last."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import respx

from ashby_connector import AshbyClient, AsyncAshbyClient, SyncTokenExpiredError

BASE = "http://ashby.test"


def page(ids: list[str], *, cursor: str | None = None, token: str | None = None) -> httpx.Response:
    body: dict[str, Any] = {"success": True, "results": [{"id": i} for i in ids]}
    body["moreDataAvailable"] = cursor is not None
    if cursor:
        body["nextCursor"] = cursor
    if token:
        body["syncToken"] = token
    return httpx.Response(200, json=body)


def bodies(route: respx.Route) -> list[dict[str, Any]]:
    return [json.loads(call.request.content) for call in route.calls]


def client() -> AshbyClient:
    return AshbyClient("k", base_url=BASE, rate_limit_per_minute=None)


def test_pages_walk_every_page_and_expose_the_token_on_the_last() -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/candidate.list").mock(
            side_effect=[page(["1", "2"], cursor="c1"), page(["3"], cursor="c2"), page(["4"], token="T1")]
        )
        with client() as c:
            pages = list(c.pages("candidate.list"))
    assert [[r["id"] for r in p.results] for p in pages] == [["1", "2"], ["3"], ["4"]]
    assert [p.sync_token for p in pages] == [None, None, "T1"]
    assert [p.cursor for p in pages] == [None, "c1", "c2"]
    assert [p.next_cursor for p in pages] == ["c1", "c2", None]
    assert isinstance(pages[0].results[0], dict)  # plain dicts: no model parsing on this path
    assert bodies(route) == [{"limit": 100}, {"limit": 100, "cursor": "c1"}, {"limit": 100, "cursor": "c2"}]


def test_incremental_run_sends_the_stored_token_on_every_page() -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/candidate.list").mock(side_effect=[page(["9"], cursor="n"), page([], token="T2")])
        with client() as c:
            pager = c.paginate("candidate.list", sync_token="T1", limit=50)
            assert pager.sync_token is None
            records = list(pager)
    assert [r["id"] for r in records] == ["9"]
    assert pager.sync_token == "T2"
    assert bodies(route) == [
        {"limit": 50, "syncToken": "T1"},
        {"limit": 50, "syncToken": "T1", "cursor": "n"},
    ]


def test_typed_list_all_with_a_stored_token() -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/candidate.list").mock(side_effect=[page(["1"], token="new")])
        with client() as c:
            pager = c.candidate.list_all(sync_token="old")
            ids = [cand.id for cand in pager]
    assert ids == ["1"] and pager.sync_token == "new"
    assert bodies(route) == [{"limit": 100, "syncToken": "old"}]


def test_resume_from_a_stored_cursor() -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/job.list").mock(side_effect=[page(["5"], token="T")])
        with client() as c:
            [p] = list(c.pages("job.list", cursor="c7"))
    assert p.cursor == "c7" and bodies(route) == [{"limit": 100, "cursor": "c7"}]


@pytest.mark.parametrize("code", ["sync_token_expired", "next_cursor_expired", "incremental_sync_too_large"])
def test_expired_token_raises_sync_token_expired(code: str) -> None:
    expired = httpx.Response(200, json={"success": False, "errorInfo": {"code": code, "message": "expired"}})
    with respx.mock(base_url=BASE) as mock:
        mock.post("/candidate.list").mock(side_effect=[page(["1"], cursor="c"), expired])
        with client() as c:
            pager = c.paginate("candidate.list", sync_token="old")
            with pytest.raises(SyncTokenExpiredError):
                list(pager)
    assert pager.sync_token is None  # never a token from an unfinished run


def test_unmoving_cursor_does_not_loop_forever() -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/brand.list").mock(
            side_effect=[page(["1"], cursor="same"), page(["2"], cursor="same")]
        )
        with client() as c:
            assert len(list(c.paginate("brand.list"))) == 2
    assert route.call_count == 2


def test_bare_results_list_is_one_page() -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.post("/source.list").respond(200, json={"success": True, "results": [{"id": "s"}]})
        with client() as c:
            pages = list(c.pages("source.list"))
    assert len(pages) == 1 and pages[0].results == [{"id": "s"}] and not pages[0].more_data_available


def test_single_typed_page() -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.post("/candidate.list").mock(side_effect=[page(["1", "2"], cursor="c")])
        with client() as c:
            first = c.candidate.list(limit=2)
    assert [x.id for x in first] == ["1", "2"] and first.next_cursor == "c" and not first.is_last


def test_async_pages() -> None:
    async def go() -> tuple[list[str], str | None]:
        async with AsyncAshbyClient("k", base_url=BASE, rate_limit_per_minute=None) as c:
            pager = c.paginate("application.list")
            ids = [r["id"] async for r in pager]
            return ids, pager.sync_token

    with respx.mock(base_url=BASE) as mock:
        mock.post("/application.list").mock(side_effect=[page(["a"], cursor="x"), page(["b"], token="tok")])
        assert asyncio.run(go()) == (["a", "b"], "tok")
