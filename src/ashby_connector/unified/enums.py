"""Unified enums and the exhaustive maps from Ashby's values to them.

Every Ashby enum a unified model reads is listed in ``ENUM_SOURCES`` together with the catalog
operation and field it comes from; a unit test checks each map covers every value the catalog
knows, so a new Ashby value fails the suite instead of silently becoming ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


class JobStatus(StrEnum):
    DRAFT = "DRAFT"
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    ARCHIVED = "ARCHIVED"


class EmploymentType(StrEnum):
    FULL_TIME = "FULL_TIME"
    PART_TIME = "PART_TIME"
    INTERN = "INTERN"
    CONTRACT = "CONTRACT"
    TEMPORARY = "TEMPORARY"


class ApplicationStatus(StrEnum):
    ACTIVE = "ACTIVE"
    HIRED = "HIRED"
    REJECTED = "REJECTED"
    LEAD = "LEAD"


class EventStatus(StrEnum):
    PENDING = "PENDING"
    SCHEDULED = "SCHEDULED"
    AWAITING_FEEDBACK = "AWAITING_FEEDBACK"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    ON_HOLD = "ON_HOLD"
    UNKNOWN = "UNKNOWN"


class OfferStatus(StrEnum):
    DRAFT = "DRAFT"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    APPROVED = "APPROVED"
    SENT = "SENT"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    CANCELLED = "CANCELLED"


class Recommendation(StrEnum):
    DEFINITELY_NO = "DEFINITELY_NO"
    NO = "NO"
    YES = "YES"
    STRONG_YES = "STRONG_YES"
    NO_DECISION = "NO_DECISION"


class AttachmentType(StrEnum):
    RESUME = "RESUME"
    COVER_LETTER = "COVER_LETTER"
    OFFER_LETTER = "OFFER_LETTER"
    OTHER = "OTHER"


class ActivityType(StrEnum):
    # Merge also has EMAIL: Ashby's API has no read of emails, so no activity is one.
    STAGE_CHANGE = "STAGE_CHANGE"
    NOTE = "NOTE"


class JobPostingStatus(StrEnum):
    PUBLISHED = "PUBLISHED"
    UNLISTED = "UNLISTED"


class UserRole(StrEnum):
    ADMIN = "ADMIN"
    ELEVATED = "ELEVATED"
    LIMITED = "LIMITED"
    EXTERNAL = "EXTERNAL"


class RejectReasonType(StrEnum):
    REJECTED_BY_CANDIDATE = "REJECTED_BY_CANDIDATE"
    REJECTED_BY_ORGANIZATION = "REJECTED_BY_ORGANIZATION"
    OTHER = "OTHER"


class WorkplaceType(StrEnum):
    ON_SITE = "ON_SITE"
    HYBRID = "HYBRID"
    REMOTE = "REMOTE"


class FraudStatus(StrEnum):
    FRAUDULENT = "FRAUDULENT"
    NOT_FRAUDULENT = "NOT_FRAUDULENT"
    UNSURE = "UNSURE"
    UNREVIEWED = "UNREVIEWED"
    PASSED_CHECK = "PASSED_CHECK"


class ContactInfoType(StrEnum):
    PERSONAL = "PERSONAL"
    WORK = "WORK"
    OTHER = "OTHER"
    MOBILE = "MOBILE"


JOB_STATUS = {
    "Draft": JobStatus.DRAFT,
    "Open": JobStatus.OPEN,
    "Closed": JobStatus.CLOSED,
    "Archived": JobStatus.ARCHIVED,
}
EMPLOYMENT_TYPE = {
    "FullTime": EmploymentType.FULL_TIME,
    "PartTime": EmploymentType.PART_TIME,
    "Intern": EmploymentType.INTERN,
    "Contract": EmploymentType.CONTRACT,
    "Temporary": EmploymentType.TEMPORARY,
}
# Ashby's "Archived" application is what Merge and Kombo call rejected (it carries an archiveReason).
APPLICATION_STATUS = {
    "Active": ApplicationStatus.ACTIVE,
    "Hired": ApplicationStatus.HIRED,
    "Archived": ApplicationStatus.REJECTED,
    "Lead": ApplicationStatus.LEAD,
}
SCHEDULE_STATUS = {
    "NeedsScheduling": EventStatus.PENDING,
    "WaitingOnCandidateBooking": EventStatus.PENDING,
    "WaitingOnCandidateAvailability": EventStatus.PENDING,
    "CandidateAvailabilitySubmitted": EventStatus.PENDING,
    "Scheduled": EventStatus.SCHEDULED,
    "WaitingOnFeedback": EventStatus.AWAITING_FEEDBACK,  # held, feedback not yet in (Merge's word)
    "Complete": EventStatus.COMPLETED,
    "Cancelled": EventStatus.CANCELLED,
    "OnHold": EventStatus.ON_HOLD,
    "Unknown": EventStatus.UNKNOWN,
}
# An offer's status reads three Ashby fields, strongest first (docs/unified.md has the table):
# the process state (offerStatus), the candidate's answer (acceptanceStatus), and the latest
# version's approval (approvalStatus). Each map gives the status a value settles on its own;
# None means "look at the next field".
OFFER_PROCESS = {
    "OfferCancelled": OfferStatus.CANCELLED,
    "CandidateAccepted": OfferStatus.ACCEPTED,
    "CandidateRejected": OfferStatus.DECLINED,
    "WaitingOnCandidateResponse": OfferStatus.SENT,
    "WaitingOnOfferApproval": OfferStatus.PENDING_APPROVAL,
    "WaitingOnApprovalStart": None,
    "WaitingOnApprovalDefinition": None,
}
OFFER_ACCEPTANCE = {
    "Cancelled": OfferStatus.CANCELLED,
    "Accepted": OfferStatus.ACCEPTED,
    "Declined": OfferStatus.DECLINED,
    "WaitingOnResponse": OfferStatus.SENT,
    "Pending": None,
    "Created": None,
}
OFFER_APPROVAL = {
    "Approved": OfferStatus.APPROVED,
    "WaitingOnApprovals": OfferStatus.PENDING_APPROVAL,
    "Declined": OfferStatus.DRAFT,  # sent back: the offer is revised before it can go out
}


def offer_status(process: object, acceptance: object, approval: object) -> OfferStatus | None:
    """The unified status of an offer from Ashby's three fields (None when all three are missing)."""
    for mapping, value in (
        (OFFER_PROCESS, process),
        (OFFER_ACCEPTANCE, acceptance),
        (OFFER_APPROVAL, approval),
    ):
        found = mapping.get(value) if isinstance(value, str) else None
        if found is not None:
            return found
    known = any(isinstance(v, str) for v in (process, acceptance, approval))
    return OfferStatus.DRAFT if known else None


# Ashby's scorecards score the overall recommendation 1 to 4.
RECOMMENDATION = {
    "1": Recommendation.DEFINITELY_NO,
    "2": Recommendation.NO,
    "3": Recommendation.YES,
    "4": Recommendation.STRONG_YES,
}


def recommendation(value: object) -> Recommendation | None:
    """1..4 (number or text) to the unified scale; anything else given is NO_DECISION."""
    if value is None or value == "":
        return None
    key = str(int(value)) if isinstance(value, int | float) and not isinstance(value, bool) else str(value)
    return RECOMMENDATION.get(key.strip(), Recommendation.NO_DECISION)


USER_ROLE = {
    "Organization Admin": UserRole.ADMIN,
    "Elevated Access": UserRole.ELEVATED,
    "Limited Access": UserRole.LIMITED,
    "External Recruiter": UserRole.EXTERNAL,
}
REJECT_REASON_TYPE = {
    "RejectedByCandidate": RejectReasonType.REJECTED_BY_CANDIDATE,
    "RejectedByOrg": RejectReasonType.REJECTED_BY_ORGANIZATION,
    "Other": RejectReasonType.OTHER,
}
WORKPLACE_TYPE = {
    "OnSite": WorkplaceType.ON_SITE,
    "Hybrid": WorkplaceType.HYBRID,
    "Remote": WorkplaceType.REMOTE,
}
FRAUD_STATUS = {
    "Fraudulent": FraudStatus.FRAUDULENT,
    "NotFraudulent": FraudStatus.NOT_FRAUDULENT,
    "Unsure": FraudStatus.UNSURE,
    "Unreviewed": FraudStatus.UNREVIEWED,
    "PassedFraudCheck": FraudStatus.PASSED_CHECK,
}
CONTACT_TYPE = {
    "Personal": ContactInfoType.PERSONAL,
    "Work": ContactInfoType.WORK,
    "Other": ContactInfoType.OTHER,
    "Mobile": ContactInfoType.MOBILE,
}

# The reverse direction, for writes: unified value -> the Ashby value to send.
JOB_STATUS_TO_ASHBY = {v: k for k, v in JOB_STATUS.items()}


@dataclass(frozen=True, slots=True)
class EnumSource:
    """Where in the catalog an Ashby enum lives: ``path`` walks ``results_schema`` properties."""

    operation: str
    path: tuple[str, ...]
    mapping: dict[str, StrEnum | None]


ENUM_SOURCES: tuple[EnumSource, ...] = (
    EnumSource("job.info", ("status",), dict(JOB_STATUS)),
    EnumSource("job.info", ("employmentType",), dict(EMPLOYMENT_TYPE)),
    EnumSource("application.info", ("status",), dict(APPLICATION_STATUS)),
    EnumSource("interviewSchedule.list", ("status",), dict(SCHEDULE_STATUS)),
    EnumSource("offer.list", ("acceptanceStatus",), dict(OFFER_ACCEPTANCE)),
    EnumSource("offer.list", ("offerStatus",), dict(OFFER_PROCESS)),
    EnumSource("offer.list", ("latestVersion", "approvalStatus"), dict(OFFER_APPROVAL)),
    EnumSource("user.info", ("globalRole",), dict(USER_ROLE)),
    EnumSource("archiveReason.list", ("reasonType",), dict(REJECT_REASON_TYPE)),
    EnumSource("location.list", ("workplaceType",), dict(WORKPLACE_TYPE)),
    EnumSource("candidate.info", ("fraudStatus",), dict(FRAUD_STATUS)),
    EnumSource("candidate.info", ("emailAddresses", "type"), dict(CONTACT_TYPE)),
    EnumSource("candidate.info", ("phoneNumbers", "type"), dict(CONTACT_TYPE)),
)


def lookup(mapping: dict[str, E], value: object) -> E | None:
    """The unified value for an Ashby value; ``None`` for a missing one (never guesses)."""
    if not isinstance(value, str):
        return None
    return mapping.get(value)
