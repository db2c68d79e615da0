"""What a request must carry, read from the catalog: required fields at any depth of the schema."""

from __future__ import annotations

from ashby_connector import catalog


def test_required_fields_are_collected_through_all_of() -> None:
    # Six operations keep their required fields inside allOf parts of the request schema.
    assert catalog.operation("interviewEvent.list").required_fields == ("interviewScheduleId",)
    assert catalog.operation("surveySubmission.list").required_fields == ("surveyType",)
    assert catalog.operation("surveyRequest.list").required_fields == ("surveyType",)
    assert catalog.operation("candidate.listProjects").required_fields == ("candidateId",)
    assert catalog.operation("report.generate").required_fields == ("reportId",)
    assert catalog.operation("applicationFeedbackRequest.create").required_fields == (
        "applicationId",
        "interviewId",
        "interviewerUserId",
    )
    # A field one branch of a oneOf needs is not required of every request.
    assert set(catalog.operation("hiringTeam.addMember").required_fields) == {"teamMemberId", "roleId"}
