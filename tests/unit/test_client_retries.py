"""Reads are retried on anything transient; writes only when Ashby certainly did not process them."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import respx

from ashby_connector import (
    APIConnectionError,
    APITimeoutError,
    AshbyClient,
    AsyncAshbyClient,
    InvalidInputError,
    RateLimitError,
    ServerError,
)
from ashby_connector.client import RetryPolicy
from ashby_connector.client import _sync as sync_module

BASE = "http://ashby.test"
OK = httpx.Response(200, json={"success": True, "results": {"id": "1"}})
READ, WRITE = "candidate.info", "candidate.create"


def ok() -> httpx.Response:
    return httpx.Response(200, json={"success": True, "results": {"id": "1"}})


def client(max_retries: int = 3) -> AshbyClient:
    policy = RetryPolicy(max_retries=max_retries, initial_delay=0.0)
    return AshbyClient("k", base_url=BASE, rate_limit_per_minute=None, retry_policy=policy)


def run(op: str, effects: list[Any], max_retries: int = 3) -> tuple[Any, int]:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post(f"/{op}").mock(side_effect=effects)
        # Names newer than the catalog go out only when the caller allows them.
        policy = RetryPolicy(max_retries=max_retries, initial_delay=0.0)
        with AshbyClient(
            "k", base_url=BASE, rate_limit_per_minute=None, retry_policy=policy, allow_unknown_operations=True
        ) as c:
            try:
                result: Any = c.call(op, {})
            except Exception as exc:  # the caller asserts on it
                result = exc
        return result, route.call_count


def limited() -> httpx.Response:
    return httpx.Response(429, json={"success": False, "errorInfo": {"code": "rate_limit_exceeded"}})


@pytest.mark.parametrize(
    "failure",
    [
        lambda: httpx.Response(500),
        lambda: httpx.Response(503),
        lambda: httpx.Response(200, json={"success": False, "errorInfo": {"code": "generic_internal_error"}}),
        limited,
        lambda: httpx.ReadTimeout("slow"),
        lambda: httpx.ConnectError("refused"),
        lambda: httpx.RemoteProtocolError("dropped"),
    ],
    ids=["500", "503", "generic_internal_error", "429", "read-timeout", "connect-error", "dropped"],
)
def test_reads_are_retried_on_transient_failures(failure: Any) -> None:
    result, calls = run(READ, [failure(), failure(), ok()])
    assert result == {"id": "1"} and calls == 3


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (lambda: httpx.Response(500), ServerError),
        (
            lambda: httpx.Response(
                200, json={"success": False, "errorInfo": {"code": "generic_internal_error"}}
            ),
            ServerError,
        ),
        (lambda: httpx.ReadTimeout("slow"), APITimeoutError),
        (lambda: httpx.RemoteProtocolError("dropped"), APIConnectionError),
    ],
    ids=["500", "generic_internal_error", "read-timeout", "dropped"],
)
def test_writes_are_not_retried_when_ashby_may_have_applied_them(failure: Any, error: type) -> None:
    result, calls = run(WRITE, [failure(), ok()])
    assert isinstance(result, error) and calls == 1


@pytest.mark.parametrize(
    "failure",
    [
        limited,
        lambda: httpx.Response(200, json={"success": False, "errorInfo": {"code": "rate_limit_exceeded"}}),
        lambda: httpx.ConnectError("refused"),
        lambda: httpx.ConnectTimeout("no connection"),
    ],
    ids=["429", "rate_limit_exceeded-200", "connect-error", "connect-timeout"],
)
def test_writes_are_retried_when_ashby_certainly_did_not_process_them(failure: Any) -> None:
    result, calls = run(WRITE, [failure(), ok()])
    assert result == {"id": "1"} and calls == 2


def test_client_errors_are_never_retried() -> None:
    bad = httpx.Response(200, json={"success": False, "errorInfo": {"code": "invalid_input"}})
    result, calls = run(READ, [bad, ok()])
    assert isinstance(result, InvalidInputError) and calls == 1


def test_retries_stop_after_max_retries() -> None:
    result, calls = run(READ, [httpx.Response(500)] * 10, max_retries=2)
    assert isinstance(result, ServerError) and calls == 3
    result, calls = run(READ, [limited()] * 10, max_retries=0)
    assert isinstance(result, RateLimitError) and calls == 1


def test_retry_after_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(sync_module.time, "sleep", slept.append)
    answer = httpx.Response(429, headers={"Retry-After": "3"}, json={"success": False})
    result, _ = run(READ, [answer, ok()])
    assert result == {"id": "1"}
    assert slept == [3.0]


def test_backoff_is_exponential_jittered_and_capped() -> None:
    policy = RetryPolicy(initial_delay=1.0, max_delay=5.0, jitter=0.5)
    for attempt, base in [(0, 1.0), (1, 2.0), (2, 4.0), (3, 5.0), (10, 5.0)]:
        delays = {policy.delay(attempt) for _ in range(50)}
        assert all(base * 0.5 <= d <= base for d in delays)
        assert len(delays) > 1  # jittered
    assert policy.delay(0, retry_after=12.0) == 12.0
    assert RetryPolicy(max_retry_after=10).delay(0, retry_after=600) == 10


def test_unknown_operations_count_as_writes() -> None:
    result, calls = run("newModule.doSomething", [httpx.Response(500), ok()])
    assert isinstance(result, ServerError) and calls == 1
    result, calls = run("newModule.list", [httpx.Response(500), ok()])
    assert result == {"id": "1"} and calls == 2


def test_async_client_retries_the_same_way() -> None:
    async def go(op: str) -> Any:
        policy = RetryPolicy(max_retries=3, initial_delay=0.0)
        async with AsyncAshbyClient("k", base_url=BASE, rate_limit_per_minute=None, retry_policy=policy) as c:
            try:
                return await c.call(op, {})
            except Exception as exc:
                return exc

    with respx.mock(base_url=BASE) as mock:
        read = mock.post(f"/{READ}").mock(side_effect=[httpx.Response(502), httpx.ReadTimeout("t"), ok()])
        write = mock.post(f"/{WRITE}").mock(side_effect=[httpx.ReadTimeout("t"), ok()])
        assert asyncio.run(go(READ)) == {"id": "1"} and read.call_count == 3
        assert isinstance(asyncio.run(go(WRITE)), APITimeoutError) and write.call_count == 1
