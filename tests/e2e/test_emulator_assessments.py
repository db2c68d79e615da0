"""The assessment partner flow: the emulator calls a partner's assessment.start/cancel, and the
partner reports into Ashby through assessment.update / assessment.addCompletedToCandidate."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.e2e._emulator_extras import Api, emulator_api, new_application, stages_of

TYPE_ID = str(uuid.uuid4())
TYPES = [{"assessment_type_id": TYPE_ID, "name": "Coding exercise", "description": "90 minutes"}]
LEVEL = {
    "id": "level",
    "name": "Level",
    "type": "ValueSelect",
    "possible_values": [{"key": "jr", "value": "Junior"}, {"key": "sr", "value": "Senior"}],
    "isRequired": True,
}


class Partner:
    """A partner endpoint on 127.0.0.1: lists one assessment type and one required custom field,
    and answers ``assessment.start`` with ``status`` (200/409/422)."""

    def __init__(self) -> None:
        self.status = 200
        self.calls: list[tuple[str, dict[str, Any], str | None]] = []
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                operation = self.path.strip("/")
                partner.calls.append((operation, body, self.headers.get("Authorization")))
                if operation == "assessment.list":
                    answer: dict[str, Any] = {"success": True, "results": TYPES}
                elif operation == "assessment.customField.list":
                    answer = {"success": True, "fields": [LEVEL]}
                elif partner.status == 200:
                    answer = {
                        "success": True,
                        "results": {"assessment_id": str(uuid.uuid4())},
                    }
                elif partner.status == 422:
                    answer = {"success": False, "message": "This candidate has no email on file"}
                else:
                    answer = {"success": False, "message": "already being assessed"}
                raw = json.dumps(answer).encode()
                self.send_response(partner.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with emulator_api(seed=31) as a:
        yield a


@pytest.fixture
def partner(api: Api) -> Iterator[Partner]:
    p = Partner()
    api.control("assessments/partner", url=p.url, apiKey="partner-key", stageIds=[])
    yield p
    p.close()


def _settled(api: Api, call_id: str) -> dict[str, Any]:
    for _ in range(200):
        calls = api.control("assessments/log")["calls"]
        call: dict[str, Any] = next(c for c in calls if c["id"] == call_id)
        if call["status"] != "pending":
            return call
        time.sleep(0.01)
    raise AssertionError("partner call never finished")


def test_start_update_and_complete(api: Api, partner: Partner) -> None:
    app = new_application(api, "Assessed One")
    call = _settled(api, api.control("assessments/start", applicationId=app["id"])["callId"])
    assert call["status"] == "ok"
    operation, body, auth = partner.calls[-1]
    assert operation == "assessment.start" and auth is not None and auth.startswith("Basic ")
    assert body["application"] == {"ashby_id": app["id"], "status": app["status"]}
    assert body["candidate"]["ashby_id"] == app["candidate"]["id"]
    assessment_id = call["response"]["results"]["assessment_id"]
    status = {"identifier": "status", "label": "Status", "type": "string", "value": "In progress"}
    api.ok(
        "assessment.update",
        {"assessment_id": assessment_id, "timestamp": 1_700_000_000_000, "assessment_status": status},
    )
    log = api.control("assessments/log")
    known = next(a for a in log["assessments"] if a.get("assessment_id") == assessment_id)
    assert known["assessment_status"]["value"] == "In progress"
    partner_id = log["partner"]["partnerId"]
    result = {"identifier": "score", "label": "Score", "type": "numeric_score", "value": 87}
    done = api.ok(
        "assessment.addCompletedToCandidate",
        {
            "candidateId": app["candidate"]["id"],
            "partnerId": partner_id,
            "timestamp": 1_700_000_100_000,
            "assessment": {
                "assessmentTypeId": log["partner"]["assessmentTypeId"],
                "assessmentId": assessment_id,
                "assessmentName": "Coding test",
                "result": result,
                "metadata": [],
            },
        },
    )
    assert done["candidateId"] == app["candidate"]["id"] and done["result"]["value"] == 87
    assert done["applicationId"] == app["id"]


def test_registering_a_partner_asks_what_it_offers_and_starts_with_it(api: Api) -> None:
    p = Partner()
    try:
        registered = api.control("assessments/partner", url=p.url, apiKey="partner-key", stageIds=[])
        # Ashby asked the partner's own lists (with the partner's key) before answering.
        assert [c[0] for c in p.calls] == ["assessment.list", "assessment.customField.list"]
        assert all(c[2] is not None and c[2].startswith("Basic ") for c in p.calls)
        assert registered["partner"]["assessmentTypes"] == TYPES
        assert registered["partner"]["customFields"] == [LEVEL]
        assert registered["partner"]["assessmentTypeId"] == TYPE_ID
        app = new_application(api, "Discovered Type")
        call = _settled(api, api.control("assessments/start", applicationId=app["id"])["callId"])
        operation, body, _ = p.calls[-1]
        assert call["status"] == "ok" and operation == "assessment.start"
        assert body["assessment_type_id"] == TYPE_ID
        assert body["additional_fields"] == {"level": "jr"}  # the recruiter filled the required field
    finally:
        p.close()


def test_partner_conflict_and_unprocessable_are_recorded(api: Api, partner: Partner) -> None:
    app = new_application(api, "Assessed Twice")
    partner.status = 409
    assert (
        _settled(api, api.control("assessments/start", applicationId=app["id"])["callId"])["status"]
        == "conflict"
    )
    partner.status = 422
    call = _settled(api, api.control("assessments/start", applicationId=app["id"])["callId"])
    assert call["status"] == "rejected" and call["message"] == "This candidate has no email on file"


def test_entering_a_configured_stage_starts_an_assessment(api: Api, partner: Partner) -> None:
    app = new_application(api, "Stage Trigger")
    stage = next(
        s for s in stages_of(api, app["currentInterviewStage"]["interviewPlanId"]) if s["type"] == "Active"
    )
    api.control("assessments/partner", stageIds=[stage["id"]])
    before = len(api.control("assessments/log")["calls"])
    api.ok("application.changeStage", {"applicationId": app["id"], "interviewStageId": stage["id"]})
    calls = api.control("assessments/log")["calls"]
    assert len(calls) == before + 1 and calls[-1]["applicationId"] == app["id"]
    assert _settled(api, calls[-1]["id"])["operation"] == "assessment.start"


def test_cancel_calls_partner(api: Api, partner: Partner) -> None:
    app = new_application(api, "Cancel Me")
    started = _settled(api, api.control("assessments/start", applicationId=app["id"])["callId"])
    assessment_id = started["response"]["results"]["assessment_id"]
    cancel = _settled(api, api.control("assessments/cancel", assessmentId=assessment_id)["callId"])
    assert cancel["status"] == "ok" and partner.calls[-1][0] == "assessment.cancel"
    known = next(
        a for a in api.control("assessments/log")["assessments"] if a.get("assessment_id") == assessment_id
    )
    assert known["status"] == "Cancelled"


def test_unknown_assessment_update_is_an_error(api: Api) -> None:
    code = api.error("assessment.update", {"assessment_id": str(uuid.uuid4()), "timestamp": 1})
    assert code == "assessment_not_found"


def test_wrong_partner_id_is_refused(api: Api) -> None:
    cand = api.ok("candidate.create", {"name": "Nobody's"})
    body = {
        "candidateId": cand["id"],
        "partnerId": str(uuid.uuid4()),
        "timestamp": 1,
        "assessment": {
            "assessmentTypeId": str(uuid.uuid4()),
            "assessmentId": str(uuid.uuid4()),
            "assessmentName": "x",
            "metadata": [],
            "result": {"identifier": "s", "label": "S", "type": "numeric_score", "value": 1},
        },
    }
    assert api.error("assessment.addCompletedToCandidate", body) == "assessment_partner_not_found"
