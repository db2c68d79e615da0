"""Which Ashby object kinds the store keeps, derived from the catalog's list operations.

One kind per list operation: ``candidate.list`` stores ``candidate`` records,
``candidate.listNotes`` stores ``candidateNote`` records. The table of a kind is
``ashby_<snake_case(kind)>``. The list is frozen here (not computed at import) so a migration
never changes meaning when the catalog is re-derived; a test checks it still covers the catalog.
"""

from __future__ import annotations

import re

# kind -> list operation that fills it
KIND_OPERATIONS: dict[str, str] = {
    "application": "application.list",
    "applicationCriteriaEvaluation": "application.listCriteriaEvaluations",
    "applicationHistory": "application.listHistory",
    "applicationFeedback": "applicationFeedback.list",
    "applicationHiringTeamRole": "applicationHiringTeamRole.list",
    "approval": "approval.list",
    "archiveReason": "archiveReason.list",
    "auditLog": "auditLog.list",
    "brand": "brand.list",
    "candidate": "candidate.list",
    "candidateClientInfo": "candidate.listClientInfo",
    "candidateFraudCheck": "candidate.listFraudChecks",
    "candidateNote": "candidate.listNotes",
    "candidateProject": "candidate.listProjects",
    "candidateTag": "candidateTag.list",
    "closeReason": "closeReason.list",
    "communicationTemplate": "communicationTemplate.list",
    "customField": "customField.list",
    "department": "department.list",
    "feedbackFormDefinition": "feedbackFormDefinition.list",
    "hiringTeamRole": "hiringTeamRole.list",
    "interview": "interview.list",
    "interviewEvent": "interviewEvent.list",
    "interviewPlan": "interviewPlan.list",
    "interviewSchedule": "interviewSchedule.list",
    "interviewStage": "interviewStage.list",
    "interviewStageGroup": "interviewStageGroup.list",
    "interviewerPool": "interviewerPool.list",
    "job": "job.list",
    "jobBoard": "jobBoard.list",
    "jobPosting": "jobPosting.list",
    "jobTemplate": "jobTemplate.list",
    "location": "location.list",
    "offer": "offer.list",
    "opening": "opening.list",
    "project": "project.list",
    "sequenceTemplate": "sequenceTemplate.list",
    "source": "source.list",
    "sourceTrackingLink": "sourceTrackingLink.list",
    "surveyFormDefinition": "surveyFormDefinition.list",
    "surveyRequest": "surveyRequest.list",
    "surveySubmission": "surveySubmission.list",
    "takeHomeAssignment": "takeHomeAssignment.list",
    "user": "user.list",
    "userInterviewerPause": "user.listInterviewerPauses",
}

# Child lists Ashby answers only inside one parent's single-record read, with an ``expand``: one
# request per parent, like the other child lists. kind -> (operation, expand value; the answer's
# field of that name holds the children).
EXPANDED_CHILDREN: dict[str, tuple[str, str]] = {
    # An application's screening answers: application.info expand applicationFormSubmissions.
    "applicationFormSubmission": ("application.info", "applicationFormSubmissions"),
}

KINDS: tuple[str, ...] = (*KIND_OPERATIONS, *EXPANDED_CHILDREN)


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def table_name(kind: str) -> str:
    return f"ashby_{snake_case(kind)}"


# Child lists: fetched per parent record; their tables carry the parent's id.
# kind -> (parent kind, request field naming the parent)
CHILD_PARENTS: dict[str, tuple[str, str]] = {
    "applicationCriteriaEvaluation": ("application", "applicationId"),
    "applicationFormSubmission": ("application", "applicationId"),
    "applicationHistory": ("application", "applicationId"),
    "candidateClientInfo": ("candidate", "candidateId"),
    "candidateFraudCheck": ("candidate", "candidateId"),
    "candidateNote": ("candidate", "candidateId"),
    "candidateProject": ("candidate", "candidateId"),
    "interviewEvent": ("interviewSchedule", "interviewScheduleId"),
    "interviewStage": ("interviewPlan", "interviewPlanId"),
    "userInterviewerPause": ("user", "userId"),
}

# Child lists whose records Ashby lists under more than one parent: a project appears under every
# candidate in it. They are stored as links keyed by (connection, id, parent), so no link
# overwrites another. Checked for every child list against the spec (each of the others belongs to
# exactly one parent: a note and a fraud check name their candidate, a history entry and a criteria
# evaluation their application, an event its schedule, a stage its plan, a pause its user, a
# client-info row its candidate). Application form submissions are stored per (connection,
# application, submission) too: the spec does not say a submission id is unique across
# applications, and one without an id is keyed by its content within its application.
LINKED_CHILDREN: frozenset[str] = frozenset({"candidateProject", "applicationFormSubmission"})
