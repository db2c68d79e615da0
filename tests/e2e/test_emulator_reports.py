"""Reports: generate (start + poll), synchronous, and Ashby's shared limits (15/min, 3 at once)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from ashby_connector.emulator.delivery.reports import REPORTS, ReportService
from ashby_connector.emulator.errors import ApiError
from ashby_connector.emulator.ratelimit import ReportLimiter
from tests.e2e._emulator_extras import Api, emulator_api

CANDIDATES = next(r.id for r in REPORTS if r.kind == "candidate")


@pytest.fixture
def api() -> Iterator[Api]:
    with emulator_api(seed=5) as a:
        yield a


def _poll(api: Api, request_id: str) -> dict[str, Any]:
    for _ in range(100):
        result: dict[str, Any] = api.ok("report.generate", {"reportId": CANDIDATES, "requestId": request_id})
        if result["status"] != "in_progress":
            return result
        time.sleep(0.05)
    raise AssertionError("report never finished")


def test_control_lists_reports(api: Api) -> None:
    reports = api.control("reports/list")["reports"]
    assert {r["id"] for r in reports} == {r.id for r in REPORTS}


def test_generate_then_poll(api: Api) -> None:
    started = api.ok("report.generate", {"reportId": CANDIDATES})
    assert started["status"] == "in_progress" and started["reportData"] is None
    done = _poll(api, started["requestId"])
    assert done["status"] == "complete"
    data = done["reportData"]
    assert data["data"][0] == data["columnNames"]  # includeHeadersInData defaults to true
    assert len(data["data"]) == 1 + api.control("stats")["counts"]["candidate"]


def test_synchronous_without_headers(api: Api) -> None:
    result = api.ok("report.synchronous", {"reportId": CANDIDATES, "includeHeadersInData": False})
    assert result["status"] == "complete"
    assert result["reportData"]["data"][0] != result["reportData"]["columnNames"]


def test_unknown_report(api: Api) -> None:
    assert (
        api.error("report.synchronous", {"reportId": "00000000-0000-4000-8000-000000000000"})
        == "report_not_found"
    )


def test_failed_report(api: Api) -> None:
    api.control("reports/fail_next", reason="boom")
    started = api.ok("report.generate", {"reportId": CANDIDATES})
    done = _poll(api, started["requestId"])
    assert done["status"] == "failed" and done["failureReason"] == "boom"


def test_three_concurrent_then_429(api: Api) -> None:
    ids = [api.ok("report.generate", {"reportId": CANDIDATES})["requestId"] for _ in range(3)]
    resp = api.raw("report.generate", {"reportId": CANDIDATES})
    assert resp.status_code == 429
    assert resp.json()["errorInfo"]["code"] == "concurrent_limit_exceeded"
    sync = api.raw("report.synchronous", {"reportId": CANDIDATES})
    assert sync.status_code == 429  # synchronous shares the budget
    # Polling is never limited.
    for rid in ids:
        assert api.call("report.generate", {"reportId": CANDIDATES, "requestId": rid})["success"] is True


def test_fifteen_per_minute_shared() -> None:
    now = [0.0]
    limiter = ReportLimiter(15, 3)
    service = ReportService(lambda kind: [], lambda: limiter, generate_seconds=0.0, clock=lambda: now[0])
    for i in range(15):
        if i % 2:
            service.synchronous(CANDIDATES)
        else:
            service.generate(CANDIDATES, None)
    with pytest.raises(ApiError) as exc:
        service.synchronous(CANDIDATES)
    assert exc.value.code == "rate_limit_exceeded" and exc.value.http_status == 429


def test_generate_frees_its_slot_when_done_without_polling() -> None:
    now = [0.0]
    limiter = ReportLimiter(100, 3)
    service = ReportService(lambda kind: [], lambda: limiter, generate_seconds=5.0, clock=lambda: now[0])
    for _ in range(3):
        service.generate(CANDIDATES, None)
    with pytest.raises(ApiError) as exc:
        service.generate(CANDIDATES, None)
    assert exc.value.code == "concurrent_limit_exceeded"
    now[0] += 5.0
    assert service.generate(CANDIDATES, None)["status"] == "in_progress"
