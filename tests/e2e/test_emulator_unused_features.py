"""Schema-less index operations answer as an account without those features; nothing is made up."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ashby_connector.emulator import EmulatorHandle


def _post(emu: EmulatorHandle, op: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = httpx.post(f"{emu.base_url}/{op}", json=body, auth=(emu.api_key, ""))
    assert answer.status_code == 200
    data: dict[str, Any] = answer.json()
    return data


def test_audit_logs_are_not_enabled(emulator: EmulatorHandle) -> None:
    data = _post(emulator, "auditLog.list", {})
    assert data["success"] is False and data["errorInfo"]["code"] == "audit_logs_not_enabled"


@pytest.mark.parametrize("op", ["sequenceTemplate.list", "takeHomeAssignment.list"])
def test_lists_of_unused_features_are_empty(emulator: EmulatorHandle, op: str) -> None:
    assert _post(emulator, op, {}) == {"success": True, "results": [], "moreDataAvailable": False}


@pytest.mark.parametrize(
    ("op", "field", "code"),
    [
        ("sequenceTemplate.info", "sequenceTemplateId", "sequence_template_not_found"),
        ("takeHomeAssignment.info", "takeHomeAssignmentId", "take_home_assignment_not_found"),
    ],
)
def test_records_of_unused_features_are_not_found(
    emulator: EmulatorHandle, op: str, field: str, code: str
) -> None:
    data = _post(emulator, op, {field: "abc"})
    assert data["success"] is False
    assert data["errorInfo"]["code"] == code and data["errorInfo"]["meta"]["id"] == "abc"
