"""The client reads the same environment as the command line: ``ASHBY_API_KEY`` and
``ASHBY_BASE_URL`` (docs/client.md), so a script and a command point at one Ashby."""

from __future__ import annotations

import asyncio

import pytest
import respx

from ashby_connector import AshbyClient, AshbyError, AsyncAshbyClient


def test_the_client_calls_the_ashby_named_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASHBY_API_KEY", "env-key")
    monkeypatch.setenv("ASHBY_BASE_URL", "http://emulator.test:8010/")
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post("http://emulator.test:8010/job.list").respond(
            json={"success": True, "results": [], "moreDataAvailable": False}
        )
        with AshbyClient() as client:
            assert client.base_url == "http://emulator.test:8010"
            assert client.call("job.list") == []
        assert route.calls.last.request.headers["Authorization"].startswith("Basic ")


def test_an_explicit_base_url_wins_and_unset_means_ashby(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASHBY_BASE_URL", "http://emulator.test:8010")
    assert AshbyClient("k", base_url="http://other.test").base_url == "http://other.test"
    assert AshbyClient("k").with_options(timeout=5).base_url == "http://emulator.test:8010"
    monkeypatch.delenv("ASHBY_BASE_URL")
    assert AshbyClient("k").base_url == "https://api.ashbyhq.com"

    async def async_default() -> str:
        async with AsyncAshbyClient("k") as client:
            return client.base_url

    assert asyncio.run(async_default()) == "https://api.ashbyhq.com"


def test_a_client_without_a_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASHBY_API_KEY", raising=False)
    with pytest.raises(AshbyError, match="ASHBY_API_KEY"):
        AshbyClient()
