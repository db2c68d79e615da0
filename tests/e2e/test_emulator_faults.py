"""Fault injection: each kind, per operation or global, seeded and reproducible."""

from __future__ import annotations

import time

import httpx
import pytest

from ashby_connector.emulator import EmulatorHandle
from ashby_connector.emulator.faults import FaultInjector, parse_faults


def post(emu: EmulatorHandle, op: str = "user.list", timeout: float = 10) -> httpx.Response:
    return httpx.post(f"{emu.base_url}/{op}", json={}, auth=(emu.api_key, ""), timeout=timeout)


def test_parse_spec_global_and_per_operation() -> None:
    plan = parse_faults("500:0.02,503:0.01,latency_ms:5;candidate.list=reset:1,hang_s:2")
    assert plan.default.probabilities == {"500": 0.02, "503": 0.01}
    assert plan.default.latency_ms == 5
    assert plan.rule("candidate.list").probabilities == {"reset": 1.0}
    assert plan.rule("candidate.list").hang_s == 2
    assert plan.rule("job.list") is plan.default
    with pytest.raises(ValueError):
        parse_faults("teapot:0.5")
    with pytest.raises(ValueError):
        parse_faults("500:2")


def test_same_seed_same_faults() -> None:
    def run(seed: int) -> list[str | None]:
        inj = FaultInjector(parse_faults("500:0.2,429:0.2,reset:0.1"), seed)
        return [inj.draw("candidate.list")[0] for _ in range(200)]

    assert run(1) == run(1)
    assert run(1) != run(2)
    drawn = run(1)
    assert 20 < drawn.count("500") < 60 and drawn.count(None) > 60


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_http_error_faults(fresh_emulator: EmulatorHandle, status: int) -> None:
    fresh_emulator.control.set_faults(f"user.list={status}:1")
    resp = post(fresh_emulator)
    assert resp.status_code == status
    assert resp.json()["success"] is False
    assert post(fresh_emulator, "job.list").status_code == 200  # other operations untouched


def test_truncated_body(fresh_emulator: EmulatorHandle) -> None:
    fresh_emulator.control.set_faults("user.list=truncate:1")
    with pytest.raises(httpx.RemoteProtocolError):
        post(fresh_emulator)


def test_connection_reset(fresh_emulator: EmulatorHandle) -> None:
    fresh_emulator.control.set_faults("user.list=reset:1")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError)):
        post(fresh_emulator)
    fresh_emulator.control.set_faults(None)
    assert post(fresh_emulator).status_code == 200


def test_hang_past_the_client_timeout(fresh_emulator: EmulatorHandle) -> None:
    fresh_emulator.control.set_faults("user.list=timeout:1,hang_s:1.5")
    with pytest.raises(httpx.ReadTimeout):
        post(fresh_emulator, timeout=0.3)


def test_added_latency(fresh_emulator: EmulatorHandle) -> None:
    fresh_emulator.control.set_faults("latency_ms:150")
    started = time.perf_counter()
    assert post(fresh_emulator).status_code == 200
    assert time.perf_counter() - started >= 0.15
