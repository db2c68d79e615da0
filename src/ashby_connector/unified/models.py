"""The unified models: the shapes the server returns, one pydantic class per model.

Field names are camelCase (what Morph, Merge and Kombo users expect). Every model carries
``id`` (the unified id, equal to Ashby's id), ``remoteId`` (Ashby's id), ``createdAt``,
``updatedAt``, ``deletedAt`` (ISO-8601 strings as Ashby sends them), ``customFields`` (filled by
the connection's field mapping) and ``remoteData`` (the raw Ashby record, only on request).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ashby_connector.unified.enums import (
    ActivityType,
    ApplicationStatus,
    AttachmentType,
    ContactInfoType,
    EmploymentType,
    EventStatus,
    FraudStatus,
    JobPostingStatus,
    JobStatus,
    OfferStatus,
    Recommendation,
    RejectReasonType,
    UserRole,
    WorkplaceType,
)


class UnifiedModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    remoteId: str
    createdAt: str | None = None
    updatedAt: str | None = None
    deletedAt: str | None = None
    customFields: dict[str, Any] = Field(default_factory=dict)
    remoteData: dict[str, Any] | None = None


class EmailAddress(BaseModel):
    value: str
    type: ContactInfoType | None = None
    isPrimary: bool = False


class PhoneNumber(BaseModel):
    value: str
    type: ContactInfoType | None = None
    isPrimary: bool = False


class FileRef(BaseModel):
    id: str
    name: str | None = None
    handle: str


class LocationComponent(BaseModel):
    type: str
    name: str


class CandidateLocation(BaseModel):
    summary: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    components: list[LocationComponent] = Field(default_factory=list)


class CompensationComponent(BaseModel):
    type: str | None = Field(default=None, description="Salary, EquityPercentage, Bonus, ...")
    label: str | None = None
    currencyCode: str | None = None
    interval: str | None = Field(default=None, description="Ashby's interval, e.g. '1 YEAR'.")
    minValue: float | None = None
    maxValue: float | None = None
    summary: str | None = None


class CompensationTier(BaseModel):
    id: str | None = None
    title: str | None = None
    summary: str | None = None
    additionalInformation: str | None = None
    components: list[CompensationComponent] = Field(default_factory=list)


class OpeningRef(BaseModel):
    id: str
    state: str | None = Field(default=None, description="Ashby's openingState: Open, Closed, Draft...")
    isArchived: bool | None = None


class ScreeningAnswer(BaseModel):
    question: str | None = Field(default=None, description="The form field's title.")
    path: str
    type: str | None = None
    value: Any = None


class GenericContact(UnifiedModel):
    firstName: str | None = None
    lastName: str | None = None
    name: str | None = None
    email: str | None = None
    phoneNumber: str | None = None
    emails: list[EmailAddress] = Field(default_factory=list)
    phoneNumbers: list[PhoneNumber] = Field(default_factory=list)
    company: str | None = None
    title: str | None = None


class AtsCandidate(GenericContact):
    location: str | None = None
    locationDetails: CandidateLocation | None = None
    school: str | None = None
    profileUrl: str | None = None
    timezone: str | None = None
    applicationIds: list[str] = Field(default_factory=list)
    tagIds: list[str] = Field(default_factory=list)
    sourceId: str | None = None
    fraudStatus: FraudStatus | None = None
    creditedToId: str | None = Field(default=None, description="The user credited with the candidate.")
    attachments: list[FileRef] = Field(default_factory=list)
    socialLinks: list[dict[str, Any]] = Field(default_factory=list)


class GenericUser(UnifiedModel):
    firstName: str | None = None
    lastName: str | None = None
    email: str | None = None
    role: UserRole | None = None
    isActive: bool | None = None
    managerId: str | None = None


class GenericWorkspace(UnifiedModel):
    name: str | None = None
    jobsPageSlug: str | None = None


class ScheduleCalendar(UnifiedModel):
    name: str | None = None
    ownerId: str | None = None
    ownerEmail: str | None = None


class ScheduleEventType(UnifiedModel):
    name: str | None = None
    externalName: str | None = None
    description: str | None = None
    descriptionHtml: str | None = None
    duration: int | None = Field(default=None, description="Minutes; Ashby keeps no default duration.")
    location: str | None = None
    jobId: str | None = None
    calendarId: str | None = None
    isArchived: bool | None = None


class ScheduleEvent(UnifiedModel):
    title: str | None = None
    description: str | None = None
    startTime: str | None = None
    endTime: str | None = None
    location: str | None = None
    meetingLink: str | None = None
    eventTypeId: str | None = None
    scheduleId: str | None = None
    applicationId: str | None = None
    attendeeUserIds: list[str] = Field(default_factory=list)
    status: EventStatus | None = None


class AtsJob(UnifiedModel):
    title: str | None = None
    description: str | None = None
    status: JobStatus | None = None
    employmentType: EmploymentType | None = None
    departmentId: str | None = None
    locationId: str | None = None
    requisitionId: str | None = None
    confidential: bool | None = None
    openedAt: str | None = None
    closedAt: str | None = None
    hiringManagerIds: list[str] = Field(default_factory=list)
    recruiterIds: list[str] = Field(default_factory=list)
    coordinatorIds: list[str] = Field(default_factory=list)
    locationIds: list[str] = Field(
        default_factory=list, description="Every office: the job's location, then its postings' ones."
    )
    interviewPlanIds: list[str] = Field(default_factory=list)
    jobPostingIds: list[str] = Field(default_factory=list)
    postingUrls: list[str] = Field(default_factory=list, description="Each posting's public page.")
    compensation: list[CompensationTier] = Field(default_factory=list)
    openings: list[OpeningRef] = Field(default_factory=list)


class AtsApplication(UnifiedModel):
    candidateId: str | None = None
    jobId: str | None = None
    stageId: str | None = None
    stageName: str | None = None
    status: ApplicationStatus | None = None
    recruiterId: str | None = Field(default=None, description="The hiring team's Recruiter.")
    coordinatorId: str | None = Field(default=None, description="The hiring team's Coordinator.")
    creditedToId: str | None = Field(
        default=None, description="The user credited with the application (not the recruiter)."
    )
    sourceId: str | None = None
    appliedDate: str | None = None
    rejectedAt: str | None = None
    rejectReasonId: str | None = None
    jobPostingId: str | None = Field(default=None, description="The posting the candidate applied through.")
    screeningAnswers: list[ScreeningAnswer] | None = Field(
        default=None,
        description="The application form's answers; null until read (live retrieve, or a sync "
        "whose child-list policy fetches them).",
    )


class AtsApplicationStage(UnifiedModel):
    name: str | None = None
    order: int | None = None
    type: str | None = None
    interviewPlanId: str | None = None
    jobIds: list[str] = Field(
        default_factory=list, description="The jobs whose interview plans hold this stage (plans are shared)."
    )


class AtsActivity(UnifiedModel):
    candidateId: str | None = None
    applicationId: str | None = Field(default=None, description="A stage move's application.")
    activityType: ActivityType | None = Field(
        default=None, description="STAGE_CHANGE or NOTE (Ashby's API lists no emails)."
    )
    stageId: str | None = Field(default=None, description="The stage the application entered.")
    stageName: str | None = None
    userId: str | None = Field(default=None, description="Who moved it.")
    occurredAt: str | None = None
    endedAt: str | None = Field(
        default=None, description="When it left the stage (none for the current one)."
    )
    body: str | None = Field(default=None, description="A note's text.")
    isPrivate: bool | None = Field(default=None, description="A note only its author sees.")


class AtsOffer(UnifiedModel):
    applicationId: str | None = None
    status: OfferStatus | None = None
    decidedAt: str | None = None
    startDate: str | None = None
    salary: dict[str, Any] | None = None
    creatorId: str | None = None
    approvalStatus: str | None = Field(
        default=None, description="Ashby's approvalStatus of the latest version."
    )
    ashbyOfferStatus: str | None = Field(default=None, description="Ashby's offerStatus, as sent.")
    ashbyAcceptanceStatus: str | None = Field(default=None, description="Ashby's acceptanceStatus, as sent.")
    openingId: str | None = None
    versionCount: int | None = None


class AtsInterview(UnifiedModel):
    applicationId: str | None = None
    scheduleId: str | None = None
    interviewTypeId: str | None = None
    title: str | None = None
    stageId: str | None = None
    organizerId: str | None = Field(default=None, description="The user who scheduled it.")
    status: EventStatus | None = None
    startTime: str | None = None
    endTime: str | None = None
    location: str | None = None
    meetingLink: str | None = None
    interviewerIds: list[str] = Field(default_factory=list)
    hasSubmittedFeedback: bool | None = None


class AtsScorecard(UnifiedModel):
    applicationId: str | None = None
    interviewId: str | None = None
    interviewEventId: str | None = None
    interviewerId: str | None = None
    submittedAt: str | None = None
    overallRecommendation: Recommendation | None = None
    overallRecommendationRaw: str | None = Field(default=None, description="Ashby's value, as sent.")
    answers: dict[str, Any] = Field(default_factory=dict)


class AtsNote(UnifiedModel):
    candidateId: str | None = None
    authorId: str | None = None
    content: str | None = None
    isPrivate: bool | None = None


class AtsAttachment(UnifiedModel):
    candidateId: str | None = None
    name: str | None = None
    handle: str | None = None
    isResume: bool = False
    type: AttachmentType | None = None
    offerId: str | None = Field(default=None, description="The offer an offer letter belongs to.")
    downloadUrl: str | None = Field(
        default=None, description="Short-lived signed URL; filled only with ?downloadUrl=true."
    )


class AtsJobPosting(UnifiedModel):
    title: str | None = None
    jobId: str | None = None
    status: JobPostingStatus | None = None
    isListed: bool | None = None
    description: str | None = None
    descriptionHtml: str | None = None
    applyUrl: str | None = None
    externalUrl: str | None = None
    departmentName: str | None = None
    locationName: str | None = None
    locationId: str | None = None
    secondaryLocationIds: list[str] = Field(default_factory=list)
    employmentType: EmploymentType | None = None
    workplaceType: WorkplaceType | None = None
    publishedDate: str | None = None
    applicationDeadline: str | None = None
    compensationSummary: str | None = None


class AtsDepartment(UnifiedModel):
    name: str | None = None
    externalName: str | None = None
    parentId: str | None = None
    isArchived: bool | None = None


class AtsLocation(UnifiedModel):
    name: str | None = None
    externalName: str | None = None
    parentId: str | None = None
    isRemote: bool | None = None
    workplaceType: WorkplaceType | None = None
    isArchived: bool | None = None
    address: dict[str, Any] | None = None


class AtsRejectReason(UnifiedModel):
    name: str | None = None
    type: RejectReasonType | None = None
    isArchived: bool | None = None


class AtsTag(UnifiedModel):
    name: str | None = None
    isArchived: bool | None = None


class AtsSource(UnifiedModel):
    name: str | None = None
    type: str | None = None
    isArchived: bool | None = None


class AtsEeoc(UnifiedModel):
    """A candidate's answers to the EEOC survey: sensitive, and not readable through Ashby's
    current API (every read answers 501; see docs/unified.md, "EEOC answers")."""

    candidateId: str | None = None
    applicationId: str | None = None
    submittedAt: str | None = None
    race: Any = Field(default=None, description="The answer to the EEOC form's race question.")
    gender: Any = Field(default=None, description="The answer to the EEOC form's gender question.")
    veteranStatus: Any = Field(default=None, description="The answer to the EEOC form's veteran question.")
    disabilityStatus: Any = Field(
        default=None, description="The answer to the EEOC form's disability question."
    )


class CustomRecord(UnifiedModel):
    """A record of a connection's custom model: only the fields its mapping declares."""

    model_config = ConfigDict(extra="allow")
