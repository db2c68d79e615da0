"""The clients over real HTTP, against a tiny local Ashby-like server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ashby_connector import APITimeoutError, AshbyClient, AsyncAshbyClient, AuthenticationError
from ashby_connector.client import RetryPolicy
from ashby_connector.emulator.in_process import serve

KEY = "local-key"
RECORDS = [{"id": f"c{i}", "name": f"Candidate {i}"} for i in range(250)]


def authorised(request: Request) -> bool:
    expected = "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
    return request.headers.get("authorization") == expected


async def candidate_list(request: Request) -> Response:
    if not authorised(request):
        return Response(status_code=401)
    body = await request.json()
    start = int(body.get("cursor") or 0)
    limit = int(body.get("limit", 100))
    chunk = RECORDS[start : start + limit]
    more = start + limit < len(RECORDS)
    answer: dict[str, Any] = {"success": True, "results": chunk, "moreDataAvailable": more}
    if more:
        answer["nextCursor"] = str(start + limit)
    else:
        answer["syncToken"] = "sync-1"
    return JSONResponse(answer, headers={"x-ashby-request-id": f"r-{start}"})


calls = {"flaky": 0}


async def flaky(request: Request) -> Response:
    calls["flaky"] += 1
    if calls["flaky"] == 1:
        return JSONResponse(
            {"success": False, "errorInfo": {"code": "rate_limit_exceeded"}},
            429,
            headers={"Retry-After": "0"},
        )
    return JSONResponse({"success": True, "results": {"attempt": calls["flaky"]}})


async def slow(request: Request) -> Response:
    await asyncio.sleep(1.0)
    return JSONResponse({"success": True, "results": {}})


async def headers(request: Request) -> Response:
    wanted = ("ashby-version", "x-on-behalf-of", "user-agent", "accept", "content-type")
    return JSONResponse({"success": True, "results": {h: request.headers.get(h) for h in wanted}})


app = Starlette(
    routes=[
        Route("/candidate.list", candidate_list, methods=["POST"]),
        Route("/candidate.info", flaky, methods=["POST"]),
        Route("/job.info", slow, methods=["POST"]),
        Route("/apiKey.info", headers, methods=["POST"]),
    ]
)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve(app) as url:  # type: ignore[arg-type]
        yield url


def make(base_url: str, **kw: Any) -> AshbyClient:
    return AshbyClient(KEY, base_url=base_url, rate_limit_per_minute=None, **kw)


def test_walks_all_pages_over_http(base_url: str) -> None:
    with make(base_url) as client:
        pager = client.candidate.list_all()
        names = [c.name for c in pager]
        pages = list(client.pages("candidate.list"))
    assert len(names) == 250 and names[-1] == "Candidate 249"
    assert pager.sync_token == "sync-1"
    assert [len(p.results) for p in pages] == [100, 100, 50]
    assert [p.request_id for p in pages] == ["r-0", "r-100", "r-200"]


def test_async_walks_all_pages_over_http(base_url: str) -> None:
    async def go() -> int:
        async with AsyncAshbyClient(KEY, base_url=base_url, rate_limit_per_minute=None) as client:
            return len([c async for c in client.candidate.list_all(limit=40)])

    assert asyncio.run(go()) == 250


def test_wrong_key_is_an_authentication_error(base_url: str) -> None:
    client = AshbyClient("wrong", base_url=base_url, rate_limit_per_minute=None)
    with client, pytest.raises(AuthenticationError):
        client.call("candidate.list")


def test_429_then_success(base_url: str) -> None:
    calls["flaky"] = 0
    with make(base_url) as client:
        assert client.call("candidate.info", {"id": "x"}) == {"attempt": 2}


def test_timeout(base_url: str) -> None:
    client = make(base_url, timeout=0.2, retry_policy=RetryPolicy(max_retries=1, initial_delay=0))
    with client, pytest.raises(APITimeoutError, match="timeout"):
        client.call("job.info", {"id": "j"})


def test_headers(base_url: str) -> None:
    with make(base_url, ashby_version="2026-01-01", on_behalf_of="user-1", user_agent="me/1") as client:
        sent = client.call("apiKey.info")
    assert sent == {
        "ashby-version": "2026-01-01",
        "x-on-behalf-of": "user-1",
        "user-agent": "me/1",
        "accept": "application/json; version=1",
        "content-type": "application/json",
    }
    with make(base_url) as client:
        sent = client.call("apiKey.info")
    assert sent["ashby-version"] is None and sent["user-agent"].startswith("ashby-connector")


def test_with_options_acts_on_behalf_of_a_user_and_shares_the_pool(base_url: str) -> None:
    with make(base_url) as client:
        as_user = client.with_options(on_behalf_of="user-9")
        assert as_user.call("apiKey.info")["x-on-behalf-of"] == "user-9"
        assert client.call("apiKey.info")["x-on-behalf-of"] is None
        assert as_user._http is client._http and as_user._bucket is client._bucket
        assert "local-key" not in repr(as_user)
