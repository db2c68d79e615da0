"""The shapes of the assessment partner flow: what Ashby sends the partner, what the tenant sends us,
and how an assessment reads in our API and events.

Ashby's requests (``assessment.start``) follow the spec's partner-side schema; extra fields Ashby
may add are kept, not refused. The tenant's inputs refuse unknown fields, so a typo is an error.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from ashby_connector import times

FieldType = Literal["numeric_score", "numeric_duration_minutes", "url", "string", "boolean_success"]


class AssessmentField(BaseModel):
    """One value Ashby shows (a result, a status, a metadata entry): the spec's field object."""

    model_config = ConfigDict(extra="forbid")
    identifier: str = Field(min_length=1, max_length=200, description="Unique for this partner")
    label: str = Field(min_length=1, max_length=200, description="Shown in Ashby")
    type: FieldType
    value: StrictStr | StrictBool | StrictInt | StrictFloat
    description: str | None = Field(default=None, max_length=2000)

    def to_ashby(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


# -- Ashby -> partner ------------------------------------------------------------------------------


class _AshbyPart(BaseModel):
    model_config = ConfigDict(extra="allow")


class StartCandidate(_AshbyPart):
    ashby_id: str = Field(min_length=1, max_length=64)
    first_name: str
    last_name: str
    email: str
    ashby_profile_url: str


class StartApplication(_AshbyPart):
    ashby_id: str = Field(min_length=1, max_length=64)
    status: Literal["Hired", "Archived", "Active", "Lead"]


class StartJob(_AshbyPart):
    ashby_id: str = Field(min_length=1, max_length=64)
    name: str
    ashby_job_url: str
    req_id: str | None = None
    hiringTeam: list[dict[str, Any]] | None = None


class StartRequest(_AshbyPart):
    """The body of ``assessment.start``."""

    assessment_type_id: str = Field(min_length=1, max_length=64)
    candidate: StartCandidate
    application: StartApplication
    job: StartJob
    # Values of the partner's custom fields (``assessment.customField.list``), by field id.
    additional_fields: dict[str, Any] | None = None


class CancelRequest(_AshbyPart):
    assessment_id: str = Field(min_length=1, max_length=64)


# -- partner set-up --------------------------------------------------------------------------------


class AssessmentTypeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)


class PossibleValue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=200)
    value: str = Field(min_length=1, max_length=200)


CustomFieldType = Literal[
    "String", "Date", "DateRange", "Number", "ValueSelect", "MultiValueSelect", "Boolean", "LongText",
    "Email", "Phone", "Score", "SocialLink", "Url", "Currency", "Location",
]  # fmt: skip


class CustomFieldIn(BaseModel):
    """A custom field Ashby asks for when starting an assessment (the spec's partner field spec)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=200)
    type: CustomFieldType
    possible_values: list[PossibleValue] | None = Field(default=None, max_length=500)
    isRequired: bool = False


class PartnerSetupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assessmentTypes: list[AssessmentTypeIn] = Field(min_length=1, max_length=100)
    customFields: list[CustomFieldIn] | None = Field(default=None, max_length=100)
    partnerId: str | None = Field(
        default=None,
        max_length=64,
        description="Ashby's id for you as a partner; needed to report assessments Ashby did not start",
    )


# -- tenant -> Ashby -------------------------------------------------------------------------------


class ProgressIn(BaseModel):
    """``POST /assessments/{id}/progress``: ``assessment.update`` without a result."""

    model_config = ConfigDict(extra="forbid")
    status: str | None = Field(default=None, min_length=1, max_length=200, description="Shown in Ashby")
    profileUrl: str | None = Field(default=None, max_length=2000)
    metadata: list[AssessmentField] | None = Field(default=None, max_length=100)
    cancelledReason: str | None = Field(
        default=None, min_length=1, max_length=2000, description="Cancels the assessment in Ashby"
    )


class ResultIn(BaseModel):
    """``POST /assessments/{id}/result``: the assessment is complete."""

    model_config = ConfigDict(extra="forbid")
    result: AssessmentField
    profileUrl: str = Field(min_length=1, max_length=2000)
    metadata: list[AssessmentField] = Field(default_factory=list, max_length=100)
    completedAt: datetime | None = None
    # Only for an assessment Ashby did not start (assessment.addCompletedToCandidate):
    connectionId: str | None = Field(default=None, max_length=64)
    candidateId: str | None = Field(default=None, max_length=64)
    assessmentTypeId: str | None = Field(default=None, max_length=64)
    assessmentName: str | None = Field(default=None, max_length=200)


def epoch_ms(at: datetime | None = None) -> int:
    """Epoch milliseconds of ``at`` (now when None); a time sent without a zone is UTC."""
    return times.epoch_ms(at if at is None or at.tzinfo else at.replace(tzinfo=UTC))


def iso(ts: float | None) -> str | None:
    return times.iso_epoch(ts, z=True, timespec="milliseconds")
