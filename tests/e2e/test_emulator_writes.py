"""Write operations with Ashby's rules: anonymize, stage-belongs-to-plan, archive reasons, hires,
custom fields, offers, interview schedules, form submissions, and the webhooks they fire."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e._emulator_extras import (
    Api,
    Receiver,
    emulator_api,
    first_open_job,
    new_application,
    stages_of,
)


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with emulator_api(seed=21) as a:
        yield a


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _stage(api: Api, app: dict[str, Any], kind: str) -> dict[str, Any]:
    plan = app["currentInterviewStage"]["interviewPlanId"]
    return next(s for s in stages_of(api, plan) if s["type"] == kind)


def _archive_reason(api: Api) -> str:
    return str(api.ok("archiveReason.list", {})[0]["id"])


def test_candidate_create_and_update_move_updated_at(api: Api) -> None:
    cand = api.ok(
        "candidate.create",
        {"name": "Grace Hopper", "email": "grace@example.com", "linkedInUrl": "https://l/g"},
    )
    assert cand["primaryEmailAddress"]["value"] == "grace@example.com"
    assert cand["socialLinks"] == [{"type": "LinkedIn", "url": "https://l/g"}]
    updated = api.ok(
        "candidate.update", {"candidateId": cand["id"], "name": "Grace B. Hopper", "phoneNumber": "+1 555"}
    )
    assert updated["name"] == "Grace B. Hopper" and updated["primaryPhoneNumber"]["value"] == "+1 555"
    assert updated["updatedAt"] > cand["updatedAt"]
    assert api.ok("candidate.info", {"id": cand["id"]})["name"] == "Grace B. Hopper"
    found = api.ok("candidate.search", {"email": "grace@example.com"})
    assert [c["id"] for c in found] == [cand["id"]]


def test_tags_add_remove(api: Api) -> None:
    cand = api.ok("candidate.create", {"name": "Tag Me"})
    tag = api.ok("candidateTag.list", {})[0]
    tagged = api.ok("candidate.addTag", {"candidateId": cand["id"], "tagId": tag["id"]})
    assert [t["id"] for t in tagged["tags"]] == [tag["id"]]
    assert api.ok("candidate.removeTag", {"candidateId": cand["id"], "tagId": tag["id"]})["tags"] == []


def test_note_is_listed(api: Api) -> None:
    cand = api.ok("candidate.create", {"name": "Noted"})
    note = api.ok(
        "candidate.createNote", {"candidateId": cand["id"], "note": {"type": "text/plain", "value": "hi"}}
    )
    assert note["content"] == "hi"
    notes = api.ok("candidate.listNotes", {"candidateId": cand["id"]})
    assert [n["id"] for n in notes] == [note["id"]]


def test_anonymize_needs_every_application_archived_or_hired(api: Api) -> None:
    app = new_application(api, "Anon Ymous")
    cid = app["candidate"]["id"]
    assert api.error("candidate.anonymize", {"candidateId": cid}) == "candidate_has_active_applications"
    archived = _stage(api, app, "Archived")
    api.ok(
        "application.changeStage",
        {
            "applicationId": app["id"],
            "interviewStageId": archived["id"],
            "archiveReasonId": _archive_reason(api),
        },
    )
    anon = api.ok("candidate.anonymize", {"candidateId": cid})
    assert anon["name"] != "Anon Ymous" and anon["emailAddresses"] == []
    # Irreversible: the candidate can no longer be changed.
    assert api.error("candidate.update", {"candidateId": cid, "name": "Back"}) == "candidate_anonymized"


def test_change_stage_must_stay_in_plan(api: Api) -> None:
    app = new_application(api, "Plan Bound")
    other_jobs = [j for j in api.ok("job.list", {}) if j["id"] != app["job"]["id"]]
    foreign_plan = other_jobs[0]["defaultInterviewPlanId"]
    foreign_stage = stages_of(api, foreign_plan)[1]
    code = api.error(
        "application.changeStage", {"applicationId": app["id"], "interviewStageId": foreign_stage["id"]}
    )
    assert code == "interview_stage_not_found"
    own = _stage(api, app, "Active")
    moved = api.ok("application.changeStage", {"applicationId": app["id"], "interviewStageId": own["id"]})
    assert moved["currentInterviewStage"]["id"] == own["id"] and moved["status"] == "Active"
    history = api.ok("application.listHistory", {"applicationId": app["id"]})
    assert [h["stageId"] for h in history][-1] == own["id"]


def test_archived_stage_needs_reason(api: Api) -> None:
    app = new_application(api, "Needs Reason")
    archived = _stage(api, app, "Archived")
    body = {"applicationId": app["id"], "interviewStageId": archived["id"]}
    assert api.error("application.changeStage", body) == "invalid_input"
    bad = api.error(
        "application.changeStage", {**body, "archiveReasonId": "00000000-0000-4000-8000-000000000000"}
    )
    assert bad == "archive_reason_not_found"
    done = api.ok("application.changeStage", {**body, "archiveReasonId": _archive_reason(api)})
    assert done["status"] == "Archived" and done["archiveReason"]["id"] == _archive_reason(api)


def test_hire_fires_related_webhooks_with_one_action_id(api: Api, receiver: Receiver) -> None:
    for kind in ("candidateHire", "applicationUpdate", "candidateStageChange"):
        api.ok("webhook.create", {"webhookType": kind, "requestUrl": receiver.url, "secretToken": "s"})
    app = new_application(api, "Hire Me")
    hired = api.ok(
        "application.changeStage",
        {"applicationId": app["id"], "interviewStageId": _stage(api, app, "Hired")["id"]},
    )
    assert hired["status"] == "Hired"
    assert api.control("webhooks/wait", timeout=5)["idle"]
    events = [
        b for b in receiver.bodies() if b["action"] != "ping" and b["data"]["application"]["id"] == app["id"]
    ]
    assert sorted(e["action"] for e in events) == [
        "applicationUpdate",
        "candidateHire",
        "candidateStageChange",
    ]
    assert len({e["webhookActionId"] for e in events}) == 1
    for hook in api.control("webhooks/settings")["webhooks"]:
        api.ok("webhook.delete", {"webhookId": hook["id"]})


def test_application_delete_needs_candidates_delete(api: Api) -> None:
    app = new_application(api, "Delete Me")
    limited = api.emu.control.add_key(permissions=["candidatesRead", "candidatesWrite"])
    from tests.e2e._emulator_extras import Api as _Api

    other = _Api(api.emu, limited)
    try:
        resp = other.raw("application.delete", {"applicationId": app["id"]})
        assert resp.status_code == 403 and resp.json()["errorInfo"]["code"] == "missing_endpoint_permission"
    finally:
        other.close()
    api.ok("application.delete", {"applicationId": app["id"]})
    assert api.error("application.info", {"applicationId": app["id"]}) == "application_not_found"


def test_custom_field_set_and_clear(api: Api) -> None:
    cand = api.ok("candidate.create", {"name": "Custom"})
    field = next(
        f
        for f in api.ok("customField.list", {})
        if f["objectType"] == "Candidate" and f["fieldType"] in ("String", "Number", "LongText")
    )
    value: Any = 7 if field["fieldType"] == "Number" else "seven"
    api.ok(
        "customField.setValue",
        {"objectType": "Candidate", "objectId": cand["id"], "fieldId": field["id"], "fieldValue": value},
    )
    assert any(f["id"] == field["id"] for f in api.ok("candidate.info", {"id": cand["id"]})["customFields"])
    api.ok(
        "customField.setValue",
        {"objectType": "Candidate", "objectId": cand["id"], "fieldId": field["id"], "fieldValue": None},
    )
    assert all(f["id"] != field["id"] for f in api.ok("candidate.info", {"id": cand["id"]})["customFields"])


def test_offer_flow(api: Api) -> None:
    app = new_application(api, "Offer Taker")
    api.ok(
        "application.changeStage",
        {"applicationId": app["id"], "interviewStageId": _stage(api, app, "Offer")["id"]},
    )
    process = api.ok("offerProcess.start", {"applicationId": app["id"]})
    form = api.ok("offer.start", {"offerProcessId": process["id"]})
    submissions = [{"path": "salary", "value": "120000"}, {"path": "startDate", "value": "2027-01-04"}]
    offer = api.ok(
        "offer.create",
        {
            "offerProcessId": process["id"],
            "offerFormId": form["id"],
            "offerForm": {"fieldSubmissions": submissions},
        },
    )
    assert offer["applicationId"] == app["id"] and offer["latestVersion"]["salary"]["value"] == 120000
    updated = api.ok(
        "offer.update", {"offerId": offer["id"], "offerForm": {"fieldSubmissions": submissions[:1]}}
    )
    assert len(updated["versions"]) == 2
    approved = api.ok("offer.approve", {"offerVersionId": updated["latestVersion"]["id"]})
    assert approved["latestVersion"]["approvalStatus"] == "Approved"


def test_interview_schedule_create_update_cancel(api: Api) -> None:
    app = new_application(api, "Interviewee")
    user = api.ok("user.list", {})[0]
    event = {
        "startTime": "2027-01-05T10:00:00.000Z",
        "endTime": "2027-01-05T11:00:00.000Z",
        "interviewers": [{"email": user["email"]}],
    }
    sched = api.ok("interviewSchedule.create", {"applicationId": app["id"], "interviewEvents": [event]})
    assert sched["status"] == "Scheduled" and len(sched["interviewEvents"]) == 1
    later = {**event, "startTime": "2027-01-06T10:00:00.000Z", "endTime": "2027-01-06T11:00:00.000Z"}
    upd = api.ok("interviewSchedule.update", {"interviewScheduleId": sched["id"], "interviewEvent": later})
    assert len(upd["interviewEvents"]) == 2
    assert api.ok("interviewSchedule.cancel", {"id": sched["id"]})["status"] == "Cancelled"


def test_application_form_submit_fires_application_submit(api: Api, receiver: Receiver) -> None:
    hook = api.ok(
        "webhook.create", {"webhookType": "applicationSubmit", "requestUrl": receiver.url, "secretToken": "s"}
    )
    posting = next(p for p in api.ok("jobPosting.list", {}) if p.get("isListed"))
    form = {
        "fieldSubmissions": [
            {"path": "_systemfield_name", "value": "Form Filler"},
            {"path": "_systemfield_email", "value": "form.filler@example.com"},
        ]
    }
    result = api.ok("applicationForm.submit", {"jobPostingId": posting["id"], "applicationForm": form})
    assert result["formMessages"]["blocked"] is False
    assert api.control("webhooks/wait", timeout=5)["idle"]
    submits = [b for b in receiver.bodies() if b["action"] == "applicationSubmit"]
    assert submits and submits[0]["data"]["application"]["candidate"]["name"] == "Form Filler"
    api.ok("webhook.delete", {"webhookId": hook["id"]})


def test_unpublished_posting_refuses_submissions(api: Api) -> None:
    posting = api.ok("jobPosting.list", {})[0]
    api.emu.control.mutate("jobPosting", ids=[posting["id"]], set={"isListed": False})
    form = {
        "fieldSubmissions": [
            {"path": "_systemfield_name", "value": "X"},
            {"path": "_systemfield_email", "value": "x@example.com"},
        ]
    }
    code = api.error("applicationForm.submit", {"jobPostingId": posting["id"], "applicationForm": form})
    assert code == "job_posting_not_published"
    allowed = {
        "jobPostingId": posting["id"],
        "applicationForm": form,
        "allowSubmissionForUnpublishedJobPosting": True,
    }
    assert api.ok("applicationForm.submit", allowed)["formMessages"]["blocked"] is False
    api.emu.control.mutate("jobPosting", ids=[posting["id"]], set={"isListed": True})


def test_merge_candidates_via_control(api: Api, receiver: Receiver) -> None:
    hook = api.ok(
        "webhook.create", {"webhookType": "candidateMerge", "requestUrl": receiver.url, "secretToken": "s"}
    )
    keep = api.ok("candidate.create", {"name": "Keep Me"})
    gone_app = new_application(api, "Merge Away")
    gone_id = gone_app["candidate"]["id"]
    out = api.control("candidates/merge", deletedCandidateId=gone_id, mergedCandidateId=keep["id"])
    assert gone_app["id"] in out["candidate"]["applicationIds"]
    assert api.error("candidate.info", {"id": gone_id}) == "candidate_not_found"
    assert api.ok("application.info", {"applicationId": gone_app["id"]})["candidate"]["id"] == keep["id"]
    assert api.control("webhooks/wait", timeout=5)["idle"]
    [merge] = [b for b in receiver.bodies() if b["action"] == "candidateMerge"]
    assert merge["data"] == {"deletedCandidate": {"id": gone_id}, "mergedCandidate": {"id": keep["id"]}}
    assert merge["webhookActionId"] == out["webhookActionId"]
    api.ok("webhook.delete", {"webhookId": hook["id"]})


def test_partner_side_operations_are_not_served(api: Api) -> None:
    resp = api.raw("assessment.start", {})
    assert resp.status_code in (404, 200) and resp.json()["success"] is False


def test_no_fake_success_for_sequences(api: Api) -> None:
    assert api.call("sequence.cancel", {"sequenceId": "x"})["success"] is False


def test_first_open_job_helper(api: Api) -> None:
    assert first_open_job(api)["status"] == "Open"


def test_docs_examples_run() -> None:
    """docs/emulator-extras.md promises its examples run as written."""
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "emulator-extras.md").read_text("utf-8")
    code = "\n".join(re.findall(r"```python\n(.*?)```", text, re.S))
    exec(compile(code, "emulator-extras.md", "exec"), {})
