"""End to end: the emulator plays Ashby and calls our partner URL; a subscriber hears of it; the tenant
reports progress and a result through our API; the emulator ends up with the completed assessment.

Everything over real HTTP on 127.0.0.1; the partner answers are checked against the spec's
partner-side schemas from the catalog.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from ashby_connector import catalog
from ashby_connector.client import AshbyClient
from ashby_connector.emulator import EmulatorHandle, run_emulator
from ashby_connector.webhooks.testing import RecordingReceiver
from tests.e2e.server_harness import Server, run_server

CUSTOM_FIELDS = [
    {
        "id": "level",
        "name": "Level",
        "type": "ValueSelect",
        "possible_values": [{"key": "jr", "value": "Junior"}, {"key": "sr", "value": "Senior"}],
    },
]


@dataclass
class World:
    emu: EmulatorHandle
    server: Server
    http: httpx.Client
    ashby: AshbyClient
    rx: RecordingReceiver
    connection_id: str
    partner_url: str
    partner_key: str
    type_id: str
    stage_id: str
    used: set[str] = field(default_factory=set)

    def partner(self, operation: str, body: Any, key: str | None = None) -> httpx.Response:
        return httpx.post(f"{self.partner_url}/{operation}", json=body, auth=(key or self.partner_key, ""))

    def start_body(self, app: dict[str, Any]) -> dict[str, Any]:
        """An ``assessment.start`` request as Ashby sends it, for ``app``."""
        return {
            "assessment_type_id": self.type_id,
            "candidate": {"ashby_id": app["candidate"]["id"], "first_name": "A", "last_name": "B",
                          "email": "a@example.com", "ashby_profile_url": "https://app.ashbyhq.com/c"},
            "application": {"ashby_id": app["id"], "status": "Active"},
            "job": {"ashby_id": app["job"]["id"], "name": "Engineer", "ashby_job_url": "https://app.ashbyhq.com/j"},
        }  # fmt: skip

    def emulator_log(self) -> dict[str, Any]:
        return self.emu.control.call("assessments/log")

    def known_to_ashby(self, assessment_id: str) -> dict[str, Any]:
        found = [
            a
            for a in self.emulator_log()["assessments"]
            if assessment_id in (a.get("assessment_id"), a.get("assessmentId"))
        ]
        assert found, self.emulator_log()
        return found[0]

    def fresh_application(self) -> dict[str, Any]:
        for app in self.emu.state.iter("application"):
            stage = app.get("currentInterviewStage") or {}
            usable = app.get("status") == "Active" and stage.get("type") == "Active"
            if usable and app["id"] not in self.used and self.stage_in_plan(app) is not None:
                self.used.add(app["id"])
                return dict(app)
        raise AssertionError("no active application left in the seeded organisation")

    def stage_in_plan(self, app: dict[str, Any]) -> str | None:
        plan = self.emu.state.get("interviewStage", app["currentInterviewStage"]["id"])["interviewPlanId"]
        stage = self.emu.state.get("interviewStage", self.stage_id)
        return self.stage_id if stage and stage.get("interviewPlanId") == plan else None

    def started_by_stage_move(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Move a fresh application into the configured stage; wait for the started event."""
        app = self.fresh_application()
        self.ashby.call(
            "application.changeStage", {"applicationId": app["id"], "interviewStageId": self.stage_id}
        )
        event = self.wait_event("assessment.started", lambda e: e["data"]["applicationId"] == app["id"])
        return app, event

    def wait_event(self, event_type: str, check: Any) -> dict[str, Any]:
        def seen(events: list[dict[str, Any]]) -> bool:
            return any(e["type"] == event_type and check(e) for e in events)

        assert self.rx.wait_for(seen, timeout=20), f"no {event_type}: {self.rx.events()}"
        return next(e for e in self.rx.events() if e["type"] == event_type and check(e))

    def assessment(self, assessment_id: str) -> dict[str, Any]:
        answer = self.http.get(f"/assessments/{assessment_id}")
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def count(self) -> int:
        return len(
            self.http.get("/assessments", params={"connectionId": self.connection_id}).json()["results"]
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder: Path = tmp_path_factory.mktemp("assessments-e2e")
    with (
        run_emulator(seed=7, candidates=100, rate_limit_per_minute=None, webhook_time_scale=0.001) as emu,
        run_server(
            emu.base_url, f"sqlite:///{folder}/e2e.db", assessment_retry_delays=(0.2, 0.2, 0.2)
        ) as server,
        RecordingReceiver() as rx,
        AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None) as ashby,
    ):
        http = server.tenant("assessment-vendor")
        connection_id = server.connect(http, emu.api_key, sync=False)
        partner_id = emu.control.call("assessments/log")["partner"]["partnerId"]
        setup = http.post(
            f"/connections/{connection_id}/assessment-partner",
            json={
                "assessmentTypes": [{"name": "Coding exercise", "description": "90 minutes, in Python"}],
                "customFields": CUSTOM_FIELDS,
                "partnerId": partner_id,
            },
        )
        assert setup.status_code == 201, setup.text
        answer = setup.json()
        assert answer["partnerUrl"] == f"{server.url}/partner/ashby/{connection_id}"
        type_id = answer["assessmentTypes"][0]["assessment_type_id"]
        app = next(a for a in emu.state.iter("application") if a.get("status") == "Active")
        plan = emu.state.get("interviewStage", app["currentInterviewStage"]["id"])["interviewPlanId"]
        stage_id = next(
            s["id"]
            for s in emu.state.iter("interviewStage")
            if s.get("interviewPlanId") == plan and s.get("type") == "Active"
            and s["id"] != app["currentInterviewStage"]["id"]
        )  # fmt: skip
        # Registered as the docs say: Ashby asks the partner's lists and starts what they offer.
        registered = emu.control.call(
            "assessments/partner", url=answer["partnerUrl"], apiKey=answer["partnerKey"], stageIds=[stage_id]
        )["partner"]
        assert registered["assessmentTypeId"] == type_id
        assert [t["name"] for t in registered["assessmentTypes"]] == ["Coding exercise"]
        assert [f["id"] for f in registered["customFields"]] == ["level"]
        sub = http.post(
            "/subscriptions", json={"url": rx.url, "connectionId": connection_id, "models": ["assessment"]}
        )
        assert sub.status_code == 201, sub.text
        rx.secret = sub.json()["secret"]
        yield World(emu, server, http, ashby, rx, connection_id, answer["partnerUrl"], answer["partnerKey"],
                    type_id, stage_id)  # fmt: skip
        http.close()


def _matches(operation: str, answer: dict[str, Any]) -> None:
    jsonschema.validate(answer, catalog.operation(operation).response_schema)


def test_set_up_answers_the_key_once(world: World) -> None:
    again = world.http.post(
        f"/connections/{world.connection_id}/assessment-partner", json={"assessmentTypes": [{"name": "X"}]}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "partner_exists"
    shown = world.http.get(f"/connections/{world.connection_id}/assessment-partner").json()
    assert world.partner_key not in str(shown) and shown["partnerUrl"] == world.partner_url
    other = world.server.tenant("someone-else")
    hidden = other.get(f"/connections/{world.connection_id}/assessment-partner")
    assert hidden.status_code == 404


def test_list_and_custom_fields_follow_the_spec(world: World) -> None:
    listed = world.partner("assessment.list", {})
    assert listed.status_code == 200
    _matches("assessment.list", listed.json())
    assert listed.json()["results"] == [
        {
            "assessment_type_id": world.type_id,
            "name": "Coding exercise",
            "description": "90 minutes, in Python",
        }
    ]
    fields = world.partner("assessment.customField.list", {})
    _matches("assessment.customField.list", fields.json())
    assert fields.json()["fields"][0]["id"] == "level"


def test_wrong_partner_key_is_401_and_records_nothing(world: World) -> None:
    before = world.count()
    app = world.fresh_application()
    body = world.start_body(app)
    for key in ("apk_wrong", world.partner_key[:-1]):
        answer = world.partner("assessment.start", body, key=key)
        assert answer.status_code == 401 and "message" in answer.json()
    assert httpx.post(f"{world.partner_url}/assessment.start", json=body).status_code == 401  # no auth
    assert world.count() == before
    assert not [e for e in world.rx.events() if e["data"].get("applicationId") == app["id"]]


def test_invalid_start_is_422_with_a_message(world: World) -> None:
    before = world.count()
    answer = world.partner("assessment.start", {"assessment_type_id": world.type_id, "candidate": {}})
    assert answer.status_code == 422
    assert "candidate" in answer.json()["message"]
    unknown = world.partner(
        "assessment.start",
        {
            "assessment_type_id": str(uuid.uuid4()),
            "candidate": {"ashby_id": "c", "first_name": "A", "last_name": "B", "email": "a@b.c",
                          "ashby_profile_url": "u"},
            "application": {"ashby_id": "a", "status": "Active"},
            "job": {"ashby_id": "j", "name": "J", "ashby_job_url": "u"},
        },
    )  # fmt: skip
    assert unknown.status_code == 422 and "Unknown assessment type" in unknown.json()["message"]
    assert world.count() == before


def test_stage_move_starts_progress_result_reach_ashby(world: World) -> None:
    app, event = world.started_by_stage_move()
    received = next(r for r in world.rx.received if r.event["id"] == event["id"])
    assert received.verified  # signed like every other event
    assessment_id = event["data"]["id"]
    assert event["data"]["candidateId"] == app["candidate"]["id"]
    assert event["data"]["status"] == "Started"
    call_id = next(
        c["id"]
        for c in world.emulator_log()["calls"]
        if c["operation"] == "assessment.start" and c["applicationId"] == app["id"]
    )
    start_call = _settled(world, call_id)  # the event can arrive before the emulator logs our answer
    _matches("assessment.start", start_call["response"])
    assert start_call["response"]["results"]["assessment_id"] == assessment_id

    listed = world.http.get("/assessments", params={"connectionId": world.connection_id, "status": "Started"})
    assert assessment_id in [a["id"] for a in listed.json()["results"]]

    # Ashby starting it again: the candidate is already being assessed.
    again = world.emu.control.call("assessments/start", applicationId=app["id"])["callId"]
    assert _settled(world, again)["status"] == "conflict"

    headers = {"Idempotency-Key": "progress-1"}
    progress = world.http.post(
        f"/assessments/{assessment_id}/progress", json={"status": "Invited"}, headers=headers
    )
    assert progress.status_code == 200, progress.text
    assert progress.json()["ashbyDelivery"]["state"] == "delivered"
    stamp = world.known_to_ashby(assessment_id)["timestamp"]
    assert world.known_to_ashby(assessment_id)["assessment_status"]["value"] == "Invited"
    replay = world.http.post(
        f"/assessments/{assessment_id}/progress", json={"status": "Invited"}, headers=headers
    )
    assert (
        replay.status_code == 200 and world.known_to_ashby(assessment_id)["timestamp"] == stamp
    )  # not re-sent
    reused = world.http.post(
        f"/assessments/{assessment_id}/progress", json={"status": "Other"}, headers=headers
    )
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "idempotency_key_reused"

    result = {
        "result": {"identifier": "score", "label": "Score", "type": "numeric_score", "value": 87},
        "profileUrl": "https://vendor.example/results/1",
        "metadata": [
            {"identifier": "duration", "label": "Time", "type": "numeric_duration_minutes", "value": 74}
        ],
    }
    done = world.http.post(
        f"/assessments/{assessment_id}/result", json=result, headers={"Idempotency-Key": "r1"}
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "Completed"
    known = world.known_to_ashby(assessment_id)
    assert known["status"] == "Completed" and known["assessment_result"]["value"] == 87
    on_candidate = world.emu.state.extras["candidate_assessments"][app["candidate"]["id"]]
    assert on_candidate[-1]["assessment_result"]["value"] == 87
    # Done: Ashby may start the same type for this candidate again.
    restarted = world.emu.control.call("assessments/start", applicationId=app["id"])["callId"]
    assert _settled(world, restarted)["status"] == "ok"


def test_cancel_in_ashby_reaches_the_subscriber(world: World) -> None:
    _, event = world.started_by_stage_move()
    assessment_id = event["data"]["id"]
    call = world.emu.control.call("assessments/cancel", assessmentId=assessment_id)["callId"]
    settled = _settled(world, call)
    assert settled["status"] == "ok"
    _matches("assessment.cancel", settled["response"])
    cancelled = world.wait_event("assessment.cancelled", lambda e: e["data"]["id"] == assessment_id)
    assert cancelled["data"]["status"] == "Cancelled"
    assert world.assessment(assessment_id)["status"] == "Cancelled"
    late = world.http.post(f"/assessments/{assessment_id}/progress", json={"status": "Started"})
    assert late.status_code == 409


def test_unreachable_ashby_is_retried_in_the_background(world: World) -> None:
    _, event = world.started_by_stage_move()
    assessment_id = event["data"]["id"]
    world.emu.control.set_faults("assessment.update=503:1")
    try:
        queued = world.http.post(f"/assessments/{assessment_id}/progress", json={"status": "Taking it"})
        assert queued.status_code == 202, queued.text
        delivery = queued.json()["ashbyDelivery"]
        assert delivery["state"] == "retrying" and delivery["attempts"] == 1 and delivery["lastError"]
        assert queued.json()["progress"] == "Taking it"
    finally:
        world.emu.control.set_faults(None)
    # The retry is due 0.2 s later and the report loop wakes at its due time; the bound is only a
    # safety net (15 s ran out once on a machine at load 17).
    deadline = time.monotonic() + 60
    while world.assessment(assessment_id)["ashbyDelivery"]["state"] != "delivered":
        assert time.monotonic() < deadline, world.assessment(assessment_id)
        time.sleep(0.05)
    assert world.known_to_ashby(assessment_id)["assessment_status"]["value"] == "Taking it"


def test_result_of_an_assessment_ashby_did_not_start(world: World) -> None:
    app = world.fresh_application()
    assessment_id = str(uuid.uuid4())
    body = {
        "connectionId": world.connection_id,
        "candidateId": app["candidate"]["id"],
        "assessmentTypeId": world.type_id,
        "result": {"identifier": "passed", "label": "Passed", "type": "boolean_success", "value": True},
        "profileUrl": "https://vendor.example/results/2",
    }
    answer = world.http.post(f"/assessments/{assessment_id}/result", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["origin"] == "partner"
    known = world.known_to_ashby(assessment_id)
    assert known["status"] == "Completed" and known["completed"]["assessmentName"] == "Coding exercise"
    assert known["completed"]["result"]["value"] is True
    missing = world.http.post(f"/assessments/{uuid.uuid4()}/result", json={**body, "candidateId": None})
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "candidateId"


def _settled(world: World, call_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        call = next(c for c in world.emulator_log()["calls"] if c["id"] == call_id)
        if call["status"] != "pending":
            return dict(call)
        time.sleep(0.02)
    raise AssertionError("the emulator's call to the partner never finished")


def test_ashby_refusing_a_report_is_answered_and_visible(world: World) -> None:
    # Started by a caller that is not the emulator: Ashby has never heard of this assessment.
    app = world.fresh_application()
    body = world.start_body(app)
    started = world.partner("assessment.start", body)
    assert started.status_code == 200, started.text
    _matches("assessment.start", started.json())
    assessment_id = started.json()["results"]["assessment_id"]
    again = world.partner("assessment.start", body)
    assert again.status_code == 409 and "already taking" in again.json()["message"]

    refused = world.http.post(f"/assessments/{assessment_id}/progress", json={"status": "Invited"})
    assert refused.status_code == 404, refused.text  # Ashby's assessment_not_found, passed on
    assert refused.json()["error"]["ashbyCode"] == "assessment_not_found"
    delivery = world.assessment(assessment_id)["ashbyDelivery"]
    assert delivery["state"] == "failed" and "assessment_not_found" in delivery["lastError"]


def test_retries_stop_after_the_last_delay(world: World) -> None:
    _, event = world.started_by_stage_move()
    assessment_id = event["data"]["id"]
    world.emu.control.set_faults("assessment.update=503:1")
    try:
        queued = world.http.post(f"/assessments/{assessment_id}/progress", json={"status": "Taking it"})
        assert queued.status_code == 202, queued.text
        deadline = time.monotonic() + 15
        while world.assessment(assessment_id)["ashbyDelivery"]["state"] != "failed":
            assert time.monotonic() < deadline, world.assessment(assessment_id)
            time.sleep(0.05)
    finally:
        world.emu.control.set_faults(None)
    # One attempt by the request, then one per configured delay (three here).
    assert world.assessment(assessment_id)["ashbyDelivery"]["attempts"] == 4


def test_rotating_the_partner_key(world: World) -> None:
    rotated = world.http.post(f"/connections/{world.connection_id}/assessment-partner/rotate-key")
    assert rotated.status_code == 200, rotated.text
    new_key = rotated.json()["partnerKey"]
    try:
        assert new_key != world.partner_key and rotated.json()["partnerUrl"] == world.partner_url
        assert world.partner("assessment.list", {}).status_code == 401  # the old key stops at once
        listed = world.partner("assessment.list", {}, key=new_key)
        assert listed.json()["results"][0]["assessment_type_id"] == world.type_id  # types kept
    finally:
        world.partner_key = new_key
        world.emu.control.call("assessments/partner", apiKey=new_key)
