"""The record kinds of an organisation, and which catalog operations read them.

A kind's record shape is the catalog's results schema of its ``info`` operation when there is
one, else the item schema of its list operation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ashby_connector import catalog
from ashby_connector.emulator.records.schema import Schema


@dataclass(frozen=True)
class KindDef:
    name: str
    list_op: str | None = None
    info_op: str | None = None
    info_id: str | None = None  # request field of the info operation holding the id
    parent_field: str | None = None  # request field naming the parent for a child list
    webhook_kind: str | None = None


KINDS: dict[str, KindDef] = {
    k.name: k
    for k in [
        KindDef("application", "application.list", "application.info", "applicationId"),
        KindDef("applicationHistory", "application.listHistory", parent_field="applicationId"),
        KindDef(
            "applicationCriteriaEvaluation",
            "application.listCriteriaEvaluations",
            parent_field="applicationId",
        ),
        KindDef("applicationFeedback", "applicationFeedback.list"),
        KindDef("applicationHiringTeamRole", "applicationHiringTeamRole.list"),
        KindDef("approval", "approval.list"),
        KindDef("archiveReason", "archiveReason.list"),
        KindDef("brand", "brand.list"),
        KindDef("candidate", "candidate.list", "candidate.info", "id"),
        KindDef("candidateClientInfo", "candidate.listClientInfo", parent_field="candidateId"),
        KindDef("candidateFraudCheck", "candidate.listFraudChecks", parent_field="candidateId"),
        KindDef("candidateNote", "candidate.listNotes", parent_field="candidateId"),
        KindDef("candidateTag", "candidateTag.list"),
        KindDef("closeReason", "closeReason.list"),
        KindDef("communicationTemplate", "communicationTemplate.list"),
        KindDef("customField", "customField.list", "customField.info", "customFieldId"),
        KindDef("department", "department.list", "department.info", "departmentId"),
        KindDef(
            "feedbackFormDefinition",
            "feedbackFormDefinition.list",
            "feedbackFormDefinition.info",
            "feedbackFormDefinitionId",
        ),
        KindDef("interview", "interview.list", "interview.info", "id"),
        KindDef("interviewEvent", "interviewEvent.list"),
        KindDef("interviewPlan", "interviewPlan.list"),
        KindDef("interviewSchedule", "interviewSchedule.list"),
        KindDef("interviewStage", "interviewStage.list", "interviewStage.info", "interviewStageId"),
        KindDef("interviewStageGroup", "interviewStageGroup.list"),
        KindDef("interviewerPool", "interviewerPool.list", "interviewerPool.info", "interviewerPoolId"),
        KindDef("job", "job.list", "job.info", "id"),
        KindDef("jobBoard", "jobBoard.list"),
        KindDef("jobPosting", "jobPosting.list", "jobPosting.info", "jobPostingId"),
        KindDef("jobTemplate", "jobTemplate.list"),
        KindDef("location", "location.list", "location.info", "locationId"),
        KindDef("notetakerTranscript", None, "notetakerTranscript.info", "notetakerTranscriptId"),
        KindDef("offer", "offer.list", "offer.info", "offerId"),
        KindDef("opening", "opening.list", "opening.info", "openingId"),
        KindDef("project", "project.list", "project.info", "projectId"),
        KindDef("source", "source.list"),
        KindDef("sourceTrackingLink", "sourceTrackingLink.list"),
        KindDef(
            "surveyFormDefinition",
            "surveyFormDefinition.list",
            "surveyFormDefinition.info",
            "surveyFormDefinitionId",
        ),
        KindDef("surveyRequest", "surveyRequest.list"),
        KindDef("surveySubmission", "surveySubmission.list"),
        KindDef("user", "user.list", "user.info", "userId"),
        KindDef("userInterviewerPause", "user.listInterviewerPauses", parent_field="userId"),
        KindDef("webhook", None, "webhook.info", "webhookId"),
        KindDef("referralForm", None, "referralForm.info"),
        KindDef("approvalDefinition"),
        KindDef("offerProcess"),
        KindDef("file"),
    ]
}

LIST_OP_KIND: dict[str, str] = {k.list_op: k.name for k in KINDS.values() if k.list_op}
INFO_OP_KIND: dict[str, str] = {k.info_op: k.name for k in KINDS.values() if k.info_op}


@cache
def record_schema(kind: str) -> Schema:
    """The JSON schema of one record of ``kind`` (empty object schema when the spec has none)."""
    kd = KINDS[kind]
    if kd.info_op:
        rs = catalog.operation(kd.info_op).results_schema
        if rs:
            return rs
    if kd.list_op:
        rs = catalog.operation(kd.list_op).results_schema or {}
        items = rs.get("items")
        if isinstance(items, dict):
            return items
    return {"type": "object"}


@cache
def list_item_schema(kind: str) -> Schema:
    kd = KINDS[kind]
    if kd.list_op:
        rs = catalog.operation(kd.list_op).results_schema or {}
        items = rs.get("items")
        if isinstance(items, dict):
            return items
    return record_schema(kind)
