"""The API key never shows: not in a repr, a log line, an exception or a traceback."""

from __future__ import annotations

import asyncio
import base64
import logging
import pickle
import traceback

import httpx
import pytest
import respx
from typer.testing import CliRunner

from ashby_connector import AshbyClient, AshbyError, AsyncAshbyClient
from ashby_connector.client import RetryPolicy, Secret

BASE = "http://ashby.test"
KEY = "sk-very-secret-0123456789"
ENCODED = base64.b64encode(f"{KEY}:".encode()).decode()


def leaks(text: str) -> bool:
    return KEY in text or ENCODED in text


def test_client_and_secret_reprs_are_masked() -> None:
    sync = AshbyClient(KEY, base_url=BASE)
    a = AsyncAshbyClient(KEY, base_url=BASE)
    for text in (
        repr(sync),
        str(sync),
        repr(a),
        repr(sync._key),
        str(sync._key),
        repr(sync._auth),
        repr(vars(sync)),
    ):
        assert not leaks(text), text


def test_secret_refuses_to_pickle() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Secret(KEY))


@pytest.mark.parametrize(
    "failure",
    [
        lambda: httpx.Response(401, text="bad key"),
        lambda: httpx.Response(
            403, json={"success": False, "errorInfo": {"code": "missing_endpoint_permission"}}
        ),
        lambda: httpx.Response(200, json={"success": False, "errors": [{"message": "m", "parameter": "p"}]}),
        lambda: httpx.Response(500),
        lambda: httpx.ConnectError("refused"),
        lambda: httpx.ReadTimeout("slow"),
    ],
)
def test_no_key_in_errors_tracebacks_or_logs(failure: object, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    policy = RetryPolicy(max_retries=1, initial_delay=0.0)
    with respx.mock(base_url=BASE) as mock:
        mock.post("/candidate.info").mock(side_effect=[failure(), failure()])  # type: ignore[operator]
        c = AshbyClient(KEY, base_url=BASE, retry_policy=policy, rate_limit_per_minute=None)
        with c, pytest.raises(AshbyError) as info:
            c.call("candidate.info", {"candidateId": "x"})
    error = info.value
    assert not leaks(str(error)) and not leaks(repr(error))
    assert not leaks("".join(traceback.format_exception(error)))
    assert not leaks(repr(vars(error)))
    assert not leaks(caplog.text)


def test_async_errors_do_not_leak() -> None:
    async def go() -> AshbyError:
        async with AsyncAshbyClient(KEY, base_url=BASE, max_retries=0, rate_limit_per_minute=None) as c:
            try:
                await c.call("candidate.info")
            except AshbyError as exc:
                return exc
        raise AssertionError("no error")

    with respx.mock(base_url=BASE) as mock:
        mock.post("/candidate.info").respond(401)
        error = asyncio.run(go())
    assert not leaks("".join(traceback.format_exception(error)))


def test_cli_error_output_has_no_key() -> None:
    from ashby_connector.cli import app

    with respx.mock(base_url=BASE) as mock:
        mock.post("/candidate.info").respond(403, json={"success": False, "errorInfo": {"code": "forbidden"}})
        result = CliRunner().invoke(app, ["call", "candidate.info", "--api-key", KEY, "--base-url", BASE])
    assert result.exit_code == 1
    assert "AuthenticationError" in result.output
    assert not leaks(result.output)
