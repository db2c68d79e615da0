"""The requested-operations report (Morph's ``model::action``), without a server."""

from __future__ import annotations

import pytest

from ashby_connector.core.connections import access


def test_unknown_scopes_leave_allowed_open_but_still_tell_what_ashby_cannot_do() -> None:
    report = access.operations_report(["atsJob::update", "scheduleEventType::create"], None)
    job, event_type = report["details"]
    assert job["allowed"] is None and job["supported"] is True and job["missingPermissions"] == []
    assert job["ashbyOperations"][0] == "job.update"
    assert event_type["supported"] is False and event_type["reason"]
    assert report["status"] == "not_supported"
    assert access.operations_report(["atsJob::list"], None)["status"] == "unknown"
    assert access.operations_report([], ["jobsRead"])["status"] == "ready"


def test_every_model_and_action_parses() -> None:
    from ashby_connector import unified

    for spec in unified.models():
        for action in access.ACTIONS:
            assert access.parse_operation(f"{spec.name}::{action}") == (spec, action)
    with pytest.raises(ValueError, match="genericContact::read"):
        access.parse_operation("genericContact::read")
