"""Outbound webhooks: signing, the ping on create, retries and the codes that stop them."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ashby_connector.emulator.delivery.webhooks import WebhookSender, retry_delay, sign
from tests.e2e._emulator_extras import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def sender() -> Iterator[WebhookSender]:
    s = WebhookSender(time_scale=0.001, timeout_seconds=0.3, ping_timeout_seconds=0.5)
    yield s
    s.close()


def test_retry_schedule_matches_ashby() -> None:
    assert [retry_delay(n) for n in range(1, 5)] == [10.0, 30.0, 70.0, 150.0]
    assert retry_delay(3, 0.001) == pytest.approx(0.07)


def test_ping_on_create_and_signature(sender: WebhookSender, receiver: Receiver) -> None:
    setting = sender.create("applicationSubmit", receiver.url, "s3cret")
    assert setting.enabled is True
    headers, body = receiver.requests[0]
    ping = json.loads(body)
    assert ping["action"] == "ping"
    assert ping["data"] == {"webhookActionType": "ping"}
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["ashby-signature"] == f"sha256={expected}"


def test_no_signature_without_secret(sender: WebhookSender, receiver: Receiver) -> None:
    sender.create("applicationSubmit", receiver.url, None)
    headers, _ = receiver.requests[0]
    assert "ashby-signature" not in headers


@pytest.mark.parametrize("status", [401, 404, 500, 503])
def test_failing_ping_leaves_setting_disabled(sender: WebhookSender, receiver: Receiver, status: int) -> None:
    receiver.statuses = [status]
    setting = sender.create("offerCreate", receiver.url, "x")
    assert setting.enabled is False
    # A disabled setting gets no events.
    sender.emit("offerCreate", {"offer": {"id": "o1"}})
    assert sender.wait_idle(2)
    assert len(receiver.requests) == 1


def test_ping_answer_400_still_enabled(sender: WebhookSender, receiver: Receiver) -> None:
    # Ashby disables a setting only when the endpoint answers > 400.
    receiver.statuses = [400]
    assert sender.create("offerCreate", receiver.url, "x").enabled is True


def test_unreachable_endpoint_disables(sender: WebhookSender) -> None:
    setting = sender.create("offerCreate", "http://127.0.0.1:9/nothing", "x")
    assert setting.enabled is False


def test_update_pings_again(sender: WebhookSender, receiver: Receiver) -> None:
    setting = sender.create("offerCreate", receiver.url, "x")
    receiver.statuses = [200, 500]
    updated = sender.update(setting.id, enabled=True)
    assert updated is not None and updated.enabled is False
    assert [b["action"] for b in receiver.bodies()] == ["ping", "ping"]


def test_retries_5xx_then_delivers_with_same_action_id(sender: WebhookSender, receiver: Receiver) -> None:
    sender.create("applicationUpdate", receiver.url, "k")
    receiver.statuses = [200, 500, 502, 200]
    action_id = sender.emit("applicationUpdate", {"application": {"id": "a1"}})
    assert sender.wait_idle(5)
    events = [b for b in receiver.bodies() if b["action"] != "ping"]
    assert len(events) == 3
    assert {e["webhookActionId"] for e in events} == {action_id}
    [log] = sender.deliveries(action="applicationUpdate")
    assert log["outcome"] == "delivered"
    assert [a["statusCode"] for a in log["attempts"]] == [500, 502, 200]


@pytest.mark.parametrize("status", [401, 403, 404, 405, 410])
def test_no_retry_codes(sender: WebhookSender, receiver: Receiver, status: int) -> None:
    sender.create("applicationUpdate", receiver.url, "k")
    receiver.statuses = [200, status]
    sender.emit("applicationUpdate", {"application": {"id": "a1"}})
    assert sender.wait_idle(5)
    [log] = sender.deliveries(action="applicationUpdate")
    assert log["outcome"] == "dropped"
    assert len(log["attempts"]) == 1


def test_gives_up_after_max_attempts(receiver: Receiver) -> None:
    s = WebhookSender(time_scale=0.00003, timeout_seconds=0.3, max_attempts=10)
    try:
        s.create("applicationUpdate", receiver.url, "k")
        receiver.statuses = [200, 500]
        s.emit("applicationUpdate", {"application": {"id": "a1"}})
        assert s.wait_idle(10)
        [log] = s.deliveries(action="applicationUpdate")
        assert log["outcome"] == "failed"
        assert len(log["attempts"]) == 10
    finally:
        s.close()


def test_timeouts_are_retried(receiver: Receiver) -> None:
    s = WebhookSender(time_scale=0.0001, timeout_seconds=0.1, max_attempts=2)
    try:
        s.create("applicationUpdate", receiver.url, "k")
        receiver.delay = 0.3
        s.emit("applicationUpdate", {"application": {"id": "a1"}})
        assert s.wait_idle(5)
        [log] = s.deliveries(action="applicationUpdate")
        assert [a["error"] for a in log["attempts"]] == ["timeout", "timeout"]
        assert log["outcome"] == "failed"
    finally:
        s.close()


def test_retry_spacing_follows_the_schedule(receiver: Receiver) -> None:
    s = WebhookSender(time_scale=0.005, timeout_seconds=0.3, max_attempts=4)
    try:
        s.create("applicationUpdate", receiver.url, "k")
        receiver.statuses = [200, 500]
        started = time.monotonic()
        s.emit("applicationUpdate", {"application": {"id": "a1"}})
        assert s.wait_idle(5)
        # 10 + 30 + 70 = 110 s of schedule times 0.005 = 0.55 s at least.
        assert time.monotonic() - started >= 0.55
    finally:
        s.close()


def test_related_webhooks_share_action_id(sender: WebhookSender, receiver: Receiver) -> None:
    for kind in ("candidateHire", "applicationUpdate", "candidateStageChange"):
        sender.create(kind, receiver.url, "k")
    app = {"id": "a1"}
    action_id = sender.emit(
        "candidateHire",
        {"application": app, "offer": {"id": "o1"}},
        related={"applicationUpdate": {"application": app}, "candidateStageChange": {"application": app}},
    )
    assert sender.wait_idle(5)
    events = [b for b in receiver.bodies() if b["action"] != "ping"]
    assert sorted(e["action"] for e in events) == [
        "applicationUpdate",
        "candidateHire",
        "candidateStageChange",
    ]
    assert {e["webhookActionId"] for e in events} == {action_id}


def test_interview_schedule_create_also_fires_update(sender: WebhookSender, receiver: Receiver) -> None:
    sender.create("interviewScheduleUpdate", receiver.url, "k")
    sender.emit("interviewScheduleCreate", {"interviewSchedule": {"id": "s1"}})
    assert sender.wait_idle(5)
    events = [b for b in receiver.bodies() if b["action"] != "ping"]
    assert [e["action"] for e in events] == ["interviewScheduleUpdate"]


def test_signature_helper_is_hex_hmac() -> None:
    assert sign("k", b"{}") == "sha256=" + hmac.new(b"k", b"{}", hashlib.sha256).hexdigest()


def test_delete_stops_deliveries(sender: WebhookSender, receiver: Receiver) -> None:
    setting = sender.create("offerUpdate", receiver.url, "k")
    assert sender.delete(setting.id)
    sender.emit("offerUpdate", {"offer": {"id": "o"}})
    assert sender.wait_idle(2)
    assert len(receiver.requests) == 1


# -- through the emulator's API ------------------------------------------------------------------


@pytest.fixture(scope="module")
def api() -> Iterator[Any]:
    from tests.e2e._emulator_extras import emulator_api

    with emulator_api(seed=41) as a:
        yield a


def test_webhook_create_via_api_signs_deliveries(api: Any, receiver: Receiver) -> None:
    hook = api.ok(
        "webhook.create",
        {"webhookType": "candidateStageChange", "requestUrl": receiver.url, "secretToken": "topsecret"},
    )
    assert hook["enabled"] is True and hook["secretToken"] == "topsecret"
    info = api.ok("webhook.info", {"webhookId": hook["id"]})
    assert "secretToken" not in info and info["webhookType"] == "candidateStageChange"
    from tests.e2e._emulator_extras import new_application, stages_of

    app = new_application(api, "Signed Mover")
    stage = next(
        s for s in stages_of(api, app["currentInterviewStage"]["interviewPlanId"]) if s["type"] == "Active"
    )
    api.ok("application.changeStage", {"applicationId": app["id"], "interviewStageId": stage["id"]})
    assert api.control("webhooks/wait", timeout=5)["idle"]
    headers, body = next(
        (h, b) for h, b in receiver.requests if json.loads(b)["action"] == "candidateStageChange"
    )
    assert headers["ashby-signature"] == sign("topsecret", body)
    assert json.loads(body)["data"]["application"]["id"] == app["id"]
    deliveries = api.control("webhooks/deliveries", action="candidateStageChange")["deliveries"]
    assert deliveries[-1]["outcome"] == "delivered"
    api.ok("webhook.delete", {"webhookId": hook["id"]})
    assert api.error("webhook.info", {"webhookId": hook["id"]}) == "webhook_not_found"


def test_webhook_create_via_api_disabled_when_ping_fails(api: Any, receiver: Receiver) -> None:
    receiver.statuses = [500]
    hook = api.ok(
        "webhook.create", {"webhookType": "offerUpdate", "requestUrl": receiver.url, "secretToken": "x"}
    )
    assert hook["enabled"] is False
    assert api.ok("webhook.info", {"webhookId": hook["id"]})["enabled"] is False
    receiver.statuses = [200]
    enabled = api.ok("webhook.update", {"webhookId": hook["id"], "enabled": True})
    assert enabled["enabled"] is True
    api.ok("webhook.delete", {"webhookId": hook["id"]})


def test_webhook_create_rejects_non_http_url(api: Any) -> None:
    body = {"webhookType": "offerUpdate", "requestUrl": "file:///etc/passwd", "secretToken": "x"}
    assert api.error("webhook.create", body) == "invalid_input"


def test_control_emit_sends_any_type(api: Any, receiver: Receiver) -> None:
    hook = api.ok(
        "webhook.create", {"webhookType": "jobPostingUpdate", "requestUrl": receiver.url, "secretToken": "k"}
    )
    out = api.control("webhooks/emit", webhookType="jobPostingPublish", data={"jobPosting": {"id": "p1"}})
    assert api.control("webhooks/wait", timeout=5)["idle"]
    [update] = [json.loads(b) for _, b in receiver.requests if json.loads(b)["action"] == "jobPostingUpdate"]
    assert update["webhookActionId"] == out["webhookActionId"] and update["data"] == {
        "jobPosting": {"id": "p1"}
    }
    api.ok("webhook.delete", {"webhookId": hook["id"]})


def test_job_edits_send_job_update_to_settings_made_outside_the_api(api: Any, receiver: Receiver) -> None:
    # Ashby has jobUpdate but webhook.create does not accept it (the spec's enum): a receiver
    # registered through the API never hears of a job's edits.
    body = {"webhookType": "jobUpdate", "requestUrl": receiver.url, "secretToken": "k"}
    assert api.error("webhook.create", body) == "invalid_input"
    from ashby_connector.emulator.delivery.services import webhook_sender

    setting = webhook_sender(api.emu.state).create("jobUpdate", receiver.url, "k")  # as in Ashby's UI
    try:
        job = next(j for j in api.ok("job.list", {}) if j["status"] == "Open")
        api.ok("job.update", {"jobId": job["id"], "title": "Renamed job"})
        api.ok("job.setStatus", {"jobId": job["id"], "status": "Closed"})
        assert api.control("webhooks/wait", timeout=5)["idle"]
        updates = [
            json.loads(b)["data"]["job"]
            for _, b in receiver.requests
            if json.loads(b)["action"] == "jobUpdate"
        ]
        # Each edit is its own delivery, sent by the emulator's sender threads as Ashby sends them:
        # with no promise of order between them (receivers compare updatedAt), so compare as sets.
        assert sorted((u["id"], u["title"], u["status"]) for u in updates) == sorted(
            [(job["id"], "Renamed job", "Open"), (job["id"], "Renamed job", "Closed")]
        )
    finally:
        webhook_sender(api.emu.state).delete(setting.id)


def _events_of(receiver: Receiver, action_id: str) -> dict[str, dict[str, Any]]:
    bodies = [json.loads(b) for _, b in receiver.requests]
    return {b["action"]: b for b in bodies if b["webhookActionId"] == action_id}


def test_ui_only_events_via_control(api: Any, receiver: Receiver) -> None:
    kinds = [
        "jobPostingPublish",
        "jobPostingUnpublish",
        "jobPostingUpdate",
        "candidateDelete",
        "interviewPlanTransition",
    ]
    hooks = [
        api.ok("webhook.create", {"webhookType": k, "requestUrl": receiver.url, "secretToken": "k"})
        for k in kinds
    ]
    posting = api.ok("jobPosting.list", {})[0]
    published = api.control("jobPostings/unpublish", jobPostingId=posting["id"])["webhookActionId"]
    cand = api.ok("candidate.create", {"name": "Deleted In UI"})
    deleted = api.control("candidates/delete", candidateId=cand["id"])["webhookActionId"]
    jobs = api.ok("job.list", {})
    apps = [a for a in api.ok("application.list", {}) if a["job"]["id"] == jobs[0]["id"]]
    moved = api.control(
        "jobs/transition_plan", jobId=jobs[0]["id"], toInterviewPlanId=jobs[1]["defaultInterviewPlanId"]
    )["webhookActionId"]
    assert api.control("webhooks/wait", timeout=5)["idle"]
    assert set(_events_of(receiver, published)) == {"jobPostingUnpublish", "jobPostingUpdate"}
    assert _events_of(receiver, deleted)["candidateDelete"]["data"] == {"candidate": {"id": cand["id"]}}
    transition = _events_of(receiver, moved)["interviewPlanTransition"]["data"]
    assert transition["jobId"] == jobs[0]["id"] and transition["interviewStageMappings"]
    # The job's applications moved to the mapped stages of the new plan, without a webhook each.
    mapped = {
        m["fromInterviewStageId"]: m["toInterviewStageId"] for m in transition["interviewStageMappings"]
    }
    assert apps, "the seeded job has applications"
    for app in apps:
        now = api.ok("application.info", {"applicationId": app["id"]})
        assert now["currentInterviewStage"]["id"] == mapped[app["currentInterviewStage"]["id"]]
        assert now["currentInterviewStage"]["interviewPlanId"] == jobs[1]["defaultInterviewPlanId"]
    assert api.error("candidate.info", {"id": cand["id"]}) == "candidate_not_found"
    for hook in hooks:
        api.ok("webhook.delete", {"webhookId": hook["id"]})


def test_slow_receiver_does_not_hold_up_others(receiver: Receiver) -> None:
    slow = Receiver()
    s = WebhookSender(time_scale=0.001, timeout_seconds=2.0)
    try:
        s.create("offerCreate", slow.url, "k")
        s.create("offerCreate", receiver.url, "k")
        slow.gate = threading.Event()  # the slow receiver answers nothing until the gate opens
        s.emit("offerCreate", {"offer": {"id": "o"}})
        started = time.monotonic()
        while len(receiver.requests) < 2:
            # Had the fast receiver waited for the slow one, it would get nothing while the gate is shut.
            assert time.monotonic() - started < 30, "the fast receiver waited for the slow one"
            time.sleep(0.01)
        assert slow.requests and not slow.gate.is_set()
        slow.gate.set()
        assert s.wait_idle(5)
    finally:
        s.close()
        slow.close()
