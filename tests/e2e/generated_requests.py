"""Requests built from the catalog's schemas for every operation, made valid against a seeded
emulated organisation: generated ids replaced by ids of records it has, and a reviewed table of
the fields a valid request needs beyond what the spec requires. Used by the contract tests of the
emulator and of the client, so that an operation answering anything but success is a finding."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import httpx

from ashby_connector import catalog
from ashby_connector.emulator import EmulatorHandle
from ashby_connector.emulator.records.kinds import INFO_OP_KIND, KINDS
from ashby_connector.emulator.records.schema import Filler

# Request fields whose kind is not their name without "Id".
FIELD_KINDS = {
    "teamMemberId": "user",
    "interviewerUserId": "user",
    "userId": "user",
    "tagId": "candidateTag",
    "parentLocationId": "location",
    "parentDepartmentId": "department",
    "stageId": "interviewStage",
    "roleId": "applicationHiringTeamRole",
    "formDefinitionId": "feedbackFormDefinition",
    "fieldId": "customField",
    "teamId": "department",
    "parentLocationHierarchyId": "location",
    "creditedToUserId": "user",
}
# Fields whose kind is named by a sibling field (``objectType: Application``, ``entityType: offer``).
TYPED_BY = {"objectId": "objectType", "entityId": "entityType"}


def id_for(emu: EmulatorHandle, field: str) -> str | None:
    """A real id for a request field such as ``candidateId`` or ``interviewPlanId``."""
    base = FIELD_KINDS.get(field) or (field[:-2] if field.endswith("Id") else field)
    for kind in (base, base[0].lower() + base[1:] if base else base):
        if kind in KINDS and len(emu.state.kinds[kind]):
            return next(iter(emu.state.kinds[kind].data))
    return None


def request_for(emu: EmulatorHandle, op: catalog.Operation) -> dict[str, Any]:
    body = Filler(random.Random(1)).fill(op.request_schema, all_props=False) if op.request_schema else {}
    if not isinstance(body, dict):
        return {}
    kind = INFO_OP_KIND.get(op.name)
    id_field = KINDS[kind].info_id if kind else None
    if kind and id_field and len(emu.state.kinds[kind]):
        body[id_field] = next(iter(emu.state.kinds[kind].data))
    # The record an operation acts on is named by its module's id field, which the spec does not
    # always mark required (``opening.update``) or describe at all (``application.delete``).
    own = f"{op.module}Id"
    if own not in body and (own in op.request_properties or op.request_schema is None):
        real = id_for(emu, own)
        if real:
            body[own] = real
    for name in list(body):
        if name in ("cursor", "syncToken"):
            del body[name]
        elif name == "id" and name != id_field:
            real = id_for(emu, (INFO_OP_KIND.get(op.name) or op.module) + "Id")
            if real:
                body[name] = real
    _real_ids(emu, body, skip=id_field)
    fix = REQUEST_FIXES.get(op.name)
    return fix(emu, body) if fix else body


def _record(emu: EmulatorHandle, kind: str, **match: Any) -> dict[str, Any]:
    """The first record of ``kind`` whose fields equal ``match``."""
    store = emu.state.kinds[kind]
    for ident in store.data:
        rec = store.get(ident) or {}
        if all(rec.get(k) == v for k, v in match.items()):
            return rec
    raise LookupError(f"no {kind} with {match} in the emulated organisation")


def _stage_in_plan(emu: EmulatorHandle, body: dict[str, Any]) -> dict[str, Any]:
    app = emu.state.kinds["application"].get(body["applicationId"]) or {}
    current = app["currentInterviewStage"]
    stage = _record(emu, "interviewStage", interviewPlanId=current["interviewPlanId"])
    if "applicationHistory" in body:
        body["applicationHistory"][0]["stageId"] = current["id"]
    else:
        body["interviewStageId"] = stage["id"]
    return body


def _transfer(emu: EmulatorHandle, body: dict[str, Any]) -> dict[str, Any]:
    job = emu.state.kinds["job"].get(body["jobId"]) or {}
    plan = job["defaultInterviewPlanId"]
    return {
        **body,
        "interviewPlanId": plan,
        "interviewStageId": _record(emu, "interviewStage", interviewPlanId=plan)["id"],
    }


def _referral_form(emu: EmulatorHandle) -> str:
    # The organisation's form is made on first read, as referralForm.info does in Ashby.
    answer = httpx.post(f"{emu.base_url}/referralForm.info", json={}, auth=(emu.api_key, ""), timeout=30)
    return str(answer.json()["results"]["id"])


def _feedback(emu: EmulatorHandle, body: dict[str, Any]) -> dict[str, Any]:
    form = emu.state.kinds["feedbackFormDefinition"].get(body["formDefinitionId"]) or {}
    fields = [f["field"] for s in form["formDefinition"]["sections"] for f in s["fields"] if f["isRequired"]]
    body["feedbackForm"] = {
        "fieldSubmissions": [{"path": f["path"], "value": f["selectableValues"][0]["value"]} for f in fields]
    }
    return body


def _field_value(emu: EmulatorHandle, body: dict[str, Any]) -> dict[str, Any]:
    field = _record(emu, "customField", objectType=body["objectType"], fieldType="String")
    if "values" in body:
        body["values"] = [{"fieldId": field["id"], "fieldValue": "Contract"}]
    else:
        body.update(fieldId=field["id"], fieldValue="Contract")
    return body


def _event_times(event: dict[str, Any]) -> dict[str, Any]:
    return {**event, "startTime": "2026-02-01T10:00:00.000Z", "endTime": "2026-02-01T11:00:00.000Z"}


# The fields a valid request needs that the spec leaves optional, undescribed or free (a stage of
# the application's own plan, an end after the start). Each builder gets the generated body.
REQUEST_FIXES: dict[str, Callable[[EmulatorHandle, dict[str, Any]], dict[str, Any]]] = {
    "candidate.search": lambda emu, b: {"name": _record(emu, "candidate")["name"]},
    "application.changeStage": _stage_in_plan,
    "application.change_stage": _stage_in_plan,
    "application.updateHistory": _stage_in_plan,
    "applicationFeedback.submit": _feedback,
    "application.transfer": _transfer,
    "customField.setValue": _field_value,
    "customField.setValues": _field_value,
    "customField.updateSelectableValues": lambda emu, b: {
        **b,
        "customFieldId": _record(emu, "customField", fieldType="ValueSelect")["id"],
    },
    "interviewSchedule.create": lambda emu, b: {
        **b,
        "interviewEvents": [_event_times(e) for e in b["interviewEvents"]],
    },
    "interviewSchedule.update": lambda emu, b: {
        **b,
        "interviewEvent": _event_times({"interviewers": [{"email": _record(emu, "user")["email"]}]}),
    },
    "job.setStatus": lambda emu, b: {**b, "status": "Closed"},
    "jobPosting.updateCompensation": lambda emu, b: {**b, "compensationTiers": None},
    "offer.setDecidedAt": lambda emu, b: {**b, "decidedAt": "2026-02-01T10:00:00.000Z"},
    "offer.setStatus": lambda emu, b: {
        **b,
        "offerId": _record(emu, "offer", acceptanceStatus="Pending")["id"],
        "acceptanceStatus": "Declined",
    },
    "opening.setOpeningState": lambda emu, b: {
        **b,
        "openingState": "Closed",
        "closeReasonId": _record(emu, "closeReason")["id"],
    },
    "referral.create": lambda emu, b: {
        **b,
        "id": _referral_form(emu),
        "fieldSubmissions": [
            {"path": "_systemfield_name", "value": "Rosa Referred"},
            {"path": "_systemfield_email", "value": "rosa.referred@example.com"},
            {"path": "_systemfield_job", "value": _record(emu, "job")["id"]},
        ],
    },
    "applicationForm.submit": lambda emu, b: {
        **b,
        "allowSubmissionForUnpublishedJobPosting": True,
        "applicationForm": {
            "fieldSubmissions": [
                {"path": "_systemfield_name", "value": "Ada Applied"},
                {"path": "_systemfield_email", "value": "ada.applied@example.com"},
            ]
        },
    },
    "offer.update": lambda emu, b: {**b, "offerId": _record(emu, "offer", acceptanceStatus="Pending")["id"]},
    "offer.approve": lambda emu, b: {
        **b,
        "offerVersionId": _record(emu, "offer", acceptanceStatus="Pending")["latestVersion"]["id"],
    },
    "offer.startApprovalProcess": lambda emu, b: {
        **b,
        "offerVersionId": _record(emu, "offer", acceptanceStatus="Created")["latestVersion"]["id"],
    },
}


def _real_ids(emu: EmulatorHandle, node: Any, skip: str | None = None) -> None:
    """Generated ids replaced, at any depth, by ids of records the organisation has."""
    if isinstance(node, list):
        for item in node:
            _real_ids(emu, item)
        return
    if not isinstance(node, dict):
        return
    for name, value in node.items():
        if isinstance(value, dict | list):
            _real_ids(emu, value)
            continue
        if name == skip or not isinstance(value, str) or not name.endswith("Id"):
            continue
        typed_by = node.get(TYPED_BY.get(name, ""))
        field = f"{typed_by[0].lower()}{typed_by[1:]}Id" if isinstance(typed_by, str) and typed_by else name
        real = id_for(emu, field)
        if real:
            node[name] = real


# The answers other than success to a generated request, each reviewed: the seeded organisation
# has no such record (made in the tests of its own area), or the record's state forbids the call.
# Anything else, and ``invalid_input`` above all (our own request refused by our own emulator),
# fails the test. Shorten this list; never lengthen it to make a test pass.
EXPECTED_REFUSALS = {
    # Implemented by assessment partners and called by Ashby; Ashby does not serve them.
    "assessment.list": "partner_endpoint",
    "assessment.customField.list": "partner_endpoint",
    "assessment.start": "partner_endpoint",
    "assessment.cancel": "partner_endpoint",
    # Needs a registered partner and an assessment it started (tests/e2e/test_emulator_assessments.py).
    "assessment.addCompletedToCandidate": "assessment_partner_not_found",
    "assessment.update": "assessment_not_found",
    # An organisation setting, off by default as in Ashby (tests/e2e/test_emulator_unused_features.py).
    "auditLog.list": "audit_logs_not_enabled",
    # Made by other calls first: uploads, report runs, webhooks, interviewer pauses, offer processes.
    "file.info": "file_not_found",
    "report.generate": "report_not_found",
    "report.synchronous": "report_not_found",
    "webhook.info": "webhook_not_found",
    "webhook.update": "webhook_not_found",
    "webhook.delete": "webhook_not_found",
    "user.deleteInterviewerPause": "interviewer_pause_not_found",
    "offer.start": "offer_process_not_found",
    "offer.create": "offer_process_not_found",
    # A handle from file.upload first (test_upload_and_download_against_the_emulator does that).
    "candidate.uploadFile": "file_not_found",
    "candidate.uploadResume": "file_not_found",
    # The seeded account does not use the notetaker, so it has no transcripts.
    "notetakerTranscript.info": "notetaker_transcript_not_found",
    # Kinds the emulator does not model; it says so rather than inventing records.
    "sequence.cancel": "sequence_not_found",
    "sequenceTemplate.info": "sequence_template_not_found",
    "takeHomeAssignment.info": "take_home_assignment_not_found",
    # State rules Ashby enforces, tested with prepared records in tests/e2e/test_emulator_writes.py.
    "candidate.anonymize": "candidate_has_active_applications",
    "candidate.pushToHris": "candidate_hris_push_failed",
}
