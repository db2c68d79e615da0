"""Contract: every write the extras answer fits the catalog's results schema, and every webhook
they send fits the catalog's payload schema (checked with ``jsonschema``, not the emulator's own
validator, so the two cannot share a blind spot)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from ashby_connector import catalog
from tests.e2e._emulator_extras import Api, Receiver, emulator_api, new_application, stages_of
from tests.spec_schema import overlapping_one_of_as_any_of

SUBSCRIBABLE = [w.name for w in catalog.webhooks() if w.subscribable]


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Api, Receiver, list[tuple[str, Any]]]]:
    receiver = Receiver()
    with emulator_api(seed=51) as api:
        for kind in SUBSCRIBABLE:
            api.ok("webhook.create", {"webhookType": kind, "requestUrl": receiver.url, "secretToken": "c"})
        answers: list[tuple[str, Any]] = []
        _scenario(api, answers)
        api.control("webhooks/wait", timeout=10)
        yield api, receiver, answers
    receiver.close()


def _do(api: Api, answers: list[tuple[str, Any]], op: str, body: dict[str, Any]) -> Any:
    result = api.ok(op, body)
    answers.append((op, result))
    return result


def _scenario(api: Api, out: list[tuple[str, Any]]) -> None:
    """One pass over every write the extras own, in an order where each has what it needs."""
    user = api.ok("user.list", {})[0]
    tag = api.ok("candidateTag.list", {})[0]
    project = api.ok("project.list", {})[0]
    source = api.ok("source.list", {})[0]
    reason = api.ok("archiveReason.list", {})[0]
    cand = _do(
        api,
        out,
        "candidate.create",
        {
            "name": "Contract Person",
            "email": "contract@example.com",
            "phoneNumber": "+44 1",
            "location": {"city": "Leeds", "country": "UK"},
        },
    )
    cid = cand["id"]
    _do(api, out, "candidate.update", {"candidateId": cid, "githubUrl": "https://github.com/c"})
    _do(api, out, "candidate.addTag", {"candidateId": cid, "tagId": tag["id"]})
    _do(api, out, "candidate.removeTag", {"candidateId": cid, "tagId": tag["id"]})
    _do(api, out, "candidate.addProject", {"candidateId": cid, "projectId": project["id"]})
    _do(api, out, "candidate.removeProject", {"candidateId": cid, "projectId": project["id"]})
    _do(api, out, "candidate.createNote", {"candidateId": cid, "note": "plain note"})
    _do(api, out, "candidate.setFraudStatus", {"candidateId": cid, "fraudStatus": "NotFraudulent"})
    _do(
        api,
        out,
        "candidate.addEmailMessage",
        {
            "candidateId": cid,
            "emailProviderEmailId": "m1",
            "subject": "Hi",
            "from": "a@x.com",
            "to": "b@x.com",
            "body": "hello",
        },
    )
    handle = _do(
        api,
        out,
        "file.createFileUploadHandle",
        {
            "filename": "cv.txt",
            "contentType": "text/plain",
            "contentLength": 2,
            "fileUploadContext": "CandidateResume",
        },
    )
    import httpx

    httpx.post(handle["url"], data=handle["fields"], files={"file": ("cv.txt", b"cv")})
    _do(api, out, "candidate.uploadResume", {"candidateId": cid, "resumeHandle": handle["handle"]})
    _do(api, out, "file.info", {"fileHandle": handle["handle"]})

    app = new_application(api, "Contract Applicant")
    aid = app["id"]
    stages = stages_of(api, app["currentInterviewStage"]["interviewPlanId"])
    by_type = {s["type"]: s for s in stages}
    _do(api, out, "application.update", {"applicationId": aid, "sourceId": source["id"]})
    _do(api, out, "application.changeSource", {"applicationId": aid, "sourceId": source["id"]})
    roles = api.ok("applicationHiringTeamRole.list", {})
    member = {"applicationId": aid, "teamMemberId": user["id"], "roleId": roles[0]["id"]}
    _do(api, out, "application.addHiringTeamMember", member)
    _do(api, out, "application.removeHiringTeamMember", member)
    _do(api, out, "hiringTeam.addMember", member)
    _do(
        api,
        out,
        "application.changeStage",
        {"applicationId": aid, "interviewStageId": by_type["Active"]["id"]},
    )
    _do(
        api,
        out,
        "application.updateHistory",
        {
            "applicationId": aid,
            "applicationHistory": [
                {
                    "stageId": by_type["Lead"]["id"],
                    "stageNumber": 0,
                    "enteredStageAt": "2026-01-01T00:00:00.000Z",
                },
                {
                    "stageId": by_type["Active"]["id"],
                    "stageNumber": 1,
                    "enteredStageAt": "2026-01-02T00:00:00.000Z",
                },
            ],
        },
    )
    event = {
        "startTime": "2027-02-01T10:00:00.000Z",
        "endTime": "2027-02-01T11:00:00.000Z",
        "interviewers": [{"email": user["email"]}],
    }
    sched = _do(api, out, "interviewSchedule.create", {"applicationId": aid, "interviewEvents": [event]})
    _do(api, out, "interviewSchedule.update", {"interviewScheduleId": sched["id"], "interviewEvent": event})
    _do(api, out, "interviewSchedule.cancel", {"id": sched["id"]})
    form = api.ok("feedbackFormDefinition.list", {})[0]
    _do(
        api,
        out,
        "applicationFeedback.submit",
        {
            "applicationId": aid,
            "formDefinitionId": form["id"],
            "feedbackForm": {"fieldSubmissions": [{"path": "x", "value": "y"}]},
        },
    )
    interview = api.ok("interview.list", {})[0]
    _do(
        api,
        out,
        "applicationFeedbackRequest.create",
        {"applicationId": aid, "interviewId": interview["id"], "interviewerUserId": user["id"]},
    )
    survey = api.ok("surveyFormDefinition.list", {})[0]
    parties = {
        "candidateId": app["candidate"]["id"],
        "applicationId": aid,
        "surveyFormDefinitionId": survey["id"],
    }
    _do(api, out, "surveyRequest.create", parties)
    _do(api, out, "surveySubmission.create", {**parties, "submittedValues": {"q": 5}})
    field = next(
        f
        for f in api.ok("customField.list", {})
        if f["objectType"] == "Application" and f["fieldType"] == "String"
    )
    _do(
        api,
        out,
        "customField.setValue",
        {"objectType": "Application", "objectId": aid, "fieldId": field["id"], "fieldValue": "v"},
    )
    _do(
        api,
        out,
        "customField.setValues",
        {
            "objectType": "Application",
            "objectId": aid,
            "values": [{"fieldId": field["id"], "fieldValue": "w"}],
        },
    )
    _do(
        api,
        out,
        "application.changeStage",
        {"applicationId": aid, "interviewStageId": by_type["Offer"]["id"]},
    )
    process = _do(api, out, "offerProcess.start", {"applicationId": aid})
    offer_form = _do(api, out, "offer.start", {"offerProcessId": process["id"]})
    subs = {"fieldSubmissions": [{"path": "salary", "value": "100000"}]}
    offer = _do(
        api,
        out,
        "offer.create",
        {"offerProcessId": process["id"], "offerFormId": offer_form["id"], "offerForm": subs},
    )
    offer = _do(api, out, "offer.update", {"offerId": offer["id"], "offerForm": subs})
    _do(api, out, "offer.startApprovalProcess", {"offerVersionId": offer["latestVersion"]["id"]})
    _do(api, out, "offer.approve", {"offerVersionId": offer["latestVersion"]["id"]})
    _do(api, out, "offer.setStatus", {"offerId": offer["id"], "acceptanceStatus": "Accepted"})
    _do(api, out, "offer.setDecidedAt", {"offerId": offer["id"], "decidedAt": "2027-01-01T00:00:00.000Z"})
    _do(
        api,
        out,
        "application.changeStage",
        {"applicationId": aid, "interviewStageId": by_type["Hired"]["id"]},
    )
    _do(api, out, "candidate.pushToHris", {"applicationId": aid})
    posting = next(p for p in api.ok("jobPosting.list", {}) if p.get("isListed"))
    _do(
        api,
        out,
        "applicationForm.submit",
        {
            "jobPostingId": posting["id"],
            "applicationForm": {
                "fieldSubmissions": [
                    {"path": "_systemfield_name", "value": "Applicant"},
                    {"path": "_systemfield_email", "value": "ap@x.com"},
                ]
            },
        },
    )
    other = new_application(api, "To Archive")
    _do(
        api,
        out,
        "application.changeStage",
        {
            "applicationId": other["id"],
            "archiveReasonId": reason["id"],
            "interviewStageId": next(
                s
                for s in stages_of(api, other["currentInterviewStage"]["interviewPlanId"])
                if s["type"] == "Archived"
            )["id"],
        },
    )
    _do(api, out, "candidate.anonymize", {"candidateId": other["candidate"]["id"]})
    _do(api, out, "report.synchronous", {"reportId": api.control("reports/list")["reports"][0]["id"]})
    _do(api, out, "report.generate", {"reportId": api.control("reports/list")["reports"][0]["id"]})
    _do(api, out, "application.delete", {"applicationId": new_application(api, "Gone")["id"]})


def _check(schema: dict[str, Any] | None, value: Any, where: str) -> None:
    if schema is None:
        return
    schema = overlapping_one_of_as_any_of(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    assert not errors, f"{where}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_every_extras_write_was_exercised(world: tuple[Api, Receiver, list[tuple[str, Any]]]) -> None:
    done = {op for op, _ in world[2]}
    assert len(done) >= 40, sorted(done)


def test_results_match_catalog(world: tuple[Api, Receiver, list[tuple[str, Any]]]) -> None:
    for op, result in world[2]:
        _check(catalog.operation(op).results_schema, result, op)


def test_webhook_payloads_match_catalog(world: tuple[Api, Receiver, list[tuple[str, Any]]]) -> None:
    _, receiver, _ = world
    seen: set[str] = set()
    for _, body in receiver.requests:
        envelope = json.loads(body)
        assert set(envelope) == {"webhookActionId", "action", "data"}
        seen.add(envelope["action"])
        _check(catalog.webhook(envelope["action"]).payload_schema, envelope, envelope["action"])
    expected = {
        "ping",
        "applicationUpdate",
        "candidateStageChange",
        "candidateHire",
        "interviewScheduleCreate",
        "interviewScheduleUpdate",
        "offerCreate",
        "offerUpdate",
        "pushToHRIS",
        "surveySubmit",
        "applicationSubmit",
    }
    assert expected <= seen, expected - seen
    hires = [json.loads(b) for _, b in receiver.requests if json.loads(b)["action"] == "candidateHire"]
    assert hires and all("offer" in h["data"] and "application" in h["data"] for h in hires)
