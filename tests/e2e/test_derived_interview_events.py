"""Contract: the interview events interviewSchedule.list embeds are exactly the objects
interviewEvent.list serves for that schedule, and both answers validate against the spec."""

from __future__ import annotations

from typing import Any

import httpx

from ashby_connector import catalog
from ashby_connector.emulator import EmulatorHandle
from tests.e2e.test_emulator_contract import check


def _pages(emu: EmulatorHandle, operation: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        answer = httpx.post(
            f"{emu.base_url}/{operation}",
            json=body | ({"cursor": cursor} if cursor else {}),
            auth=(emu.api_key, ""),
        ).json()
        check(catalog.operation(operation), answer)
        out.extend(answer["results"])
        cursor = answer.get("nextCursor")
        if not answer.get("moreDataAvailable"):
            return out


def test_embedded_events_equal_interview_event_list(emulator: EmulatorHandle) -> None:
    schedules = _pages(emulator, "interviewSchedule.list", {})
    with_events = [s for s in schedules if s.get("interviewEvents")]
    assert len(with_events) > 20
    for schedule in with_events[:40]:
        listed = _pages(emulator, "interviewEvent.list", {"interviewScheduleId": schedule["id"]})
        key = lambda e: e["id"]  # noqa: E731
        assert sorted(schedule["interviewEvents"], key=key) == sorted(listed, key=key)
