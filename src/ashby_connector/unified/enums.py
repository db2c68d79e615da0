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
    "WaitingOnFeedback": EventStatus.COMPLETED,
    "Complete": EventStatus.COMPLETED,
    "Cancelled": EventStatus.CANCELLED,
    "OnHold": EventStatus.ON_HOLD,
    "Unknown": EventStatus.UNKNOWN,
}
OFFER_ACCEPTANCE = {
    "Accepted": OfferStatus.ACCEPTED,
    "Declined": OfferStatus.DECLINED,
    "Pending": OfferStatus.PENDING_APPROVAL,
    "Created": OfferStatus.DRAFT,
    "Cancelled": OfferStatus.CANCELLED,
    "WaitingOnResponse": OfferStatus.SENT,
}
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
    mapping: dict[str, StrEnum]


ENUM_SOURCES: tuple[EnumSource, ...] = (
    EnumSource("job.info", ("status",), dict(JOB_STATUS)),
    EnumSource("job.info", ("employmentType",), dict(EMPLOYMENT_TYPE)),
    EnumSource("application.info", ("status",), dict(APPLICATION_STATUS)),
    EnumSource("interviewSchedule.list", ("status",), dict(SCHEDULE_STATUS)),
    EnumSource("offer.list", ("acceptanceStatus",), dict(OFFER_ACCEPTANCE)),
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
