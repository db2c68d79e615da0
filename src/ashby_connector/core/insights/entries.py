"""What the digests keep of each record: the fields questions filter and sort on."""

from __future__ import annotations

from typing import Any, NamedTuple

from ashby_connector.core.insights.answers import person, ref


class CandidateEntry(NamedTuple):
    name: str
    text: str  # the name and every email address, casefolded, one per line: what a search reads
    tags: tuple[tuple[str, str], ...]  # (id, casefolded title)


class ApplicationEntry(NamedTuple):
    status: str | None
    job_id: str | None
    job_title: str | None
    candidate_id: str | None
    candidate_name: str | None
    stage_title: str | None
    updated_at: str | None
    recruiter: str | None  # the application's own recruiter (its job's is looked up when absent)
    stage_id: str | None
    stage_order: float


class StageMoveEntry(NamedTuple):
    """One entry of an application's stage history: the application and when it entered a stage."""

    application_id: str
    entered_at: str


class JobEntry(NamedTuple):
    title: str | None
    status: str | None
    recruiter: str | None
    department_id: str | None
    location_id: str | None
    confidential: bool
    opened_at: str | None


class ScheduleEntry(NamedTuple):
    status: str | None
    application_id: str | None


class EventEntry(NamedTuple):
    start: str  # ISO-8601 as Ashby writes it: sorts as time
    end: str | None
    schedule_id: str | None
    interviewer_ids: tuple[str, ...]
    interviewers: tuple[str, ...]
    location: str | None
    meeting_link: str | None


class OpeningEntry(NamedTuple):
    open: bool  # state Open and not archived
    job_ids: tuple[str, ...]
    summary: dict[str, Any]


class OfferEntry(NamedTuple):
    status: str | None
    application_id: str | None
    approval_status: str | None
    since: str | None  # when its latest version was made
    start_date: str | None
    salary: Any


def emails(raw: dict[str, Any]) -> list[str]:
    found = [e.get("value") for e in raw.get("emailAddresses") or [] if isinstance(e, dict)]
    primary = raw.get("primaryEmailAddress")
    if isinstance(primary, dict):
        found.insert(0, primary.get("value"))
    return list(dict.fromkeys(e for e in found if isinstance(e, str)))


def recruiter_in(team: Any) -> str | None:
    """The user with Ashby's hiring-team role ``Recruiter`` in a hiring team."""
    for member in team or []:
        if isinstance(member, dict) and member.get("role") == "Recruiter" and member.get("userId"):
            return str(member["userId"])
    return None


def _text(value: Any, key: str) -> str | None:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, str) else None


def candidate_entry(raw: dict[str, Any]) -> CandidateEntry:
    name = str(raw.get("name") or "")
    tags = tuple(
        (str(t.get("id")), str(t.get("title") or "").casefold())
        for t in raw.get("tags") or []
        if isinstance(t, dict)
    )
    return CandidateEntry(name, "\n".join([name, *emails(raw)]).casefold(), tags)


def application_entry(raw: dict[str, Any]) -> ApplicationEntry:
    candidate, job, stage = raw.get("candidate"), raw.get("job"), raw.get("currentInterviewStage")
    return ApplicationEntry(
        _text(raw, "status"),
        ref(job),
        _text(job, "title"),
        ref(candidate),
        _text(candidate, "name"),
        _text(stage, "title"),
        _text(raw, "updatedAt"),
        recruiter_in(raw.get("hiringTeam")),
        ref(stage),
        float(stage.get("orderInInterviewPlan") or 0) if isinstance(stage, dict) else 0.0,
    )


def stage_move_entry(raw: dict[str, Any]) -> StageMoveEntry | None:
    application, entered = _text(raw, "applicationId"), _text(raw, "enteredStageAt")
    return StageMoveEntry(application, entered) if application and entered else None


def moved_application(entry: StageMoveEntry) -> str:
    """Memo key: stage moves by application."""
    return entry.application_id


def active(entry: ApplicationEntry) -> str | None:
    """Grouping key: every active application in one group, ``"Active"``."""
    return "Active" if entry.status == "Active" else None


def offer_entry(raw: dict[str, Any]) -> OfferEntry:
    version = raw.get("latestVersion")
    return OfferEntry(
        _text(raw, "offerStatus"),
        _text(raw, "applicationId"),
        _text(version, "approvalStatus"),
        _text(version, "createdAt"),
        _text(version, "startDate"),
        version.get("salary") if isinstance(version, dict) else None,
    )


def job_entry(raw: dict[str, Any]) -> JobEntry:
    return JobEntry(
        _text(raw, "title"),
        _text(raw, "status"),
        recruiter_in(raw.get("hiringTeam")),
        _text(raw, "departmentId"),
        _text(raw, "locationId"),
        bool(raw.get("confidential")),
        _text(raw, "openedAt"),
    )


def opening_entry(raw: dict[str, Any]) -> OpeningEntry:
    version = raw.get("latestVersion") if isinstance(raw.get("latestVersion"), dict) else {}
    assert isinstance(version, dict)
    summary = {
        "id": raw.get("id"),
        "identifier": version.get("identifier"),
        "openedAt": raw.get("openedAt"),
        "targetHireDate": version.get("targetHireDate"),
        "isBackfill": version.get("isBackfill"),
    }
    is_open = raw.get("openingState") == "Open" and not raw.get("isArchived")
    return OpeningEntry(is_open, tuple(str(j) for j in version.get("jobIds") or []), summary)


def job_of(entry: ApplicationEntry) -> str | None:
    """Grouping key: an application's job, whatever its status."""
    return entry.job_id


def active_job(entry: ApplicationEntry) -> str | None:
    """Grouping key: an active application's job."""
    return entry.job_id if entry.status == "Active" else None


def active_recruiter(entry: ApplicationEntry) -> str | None:
    """Grouping key: an active application's own recruiter."""
    return entry.recruiter if entry.status == "Active" else None


def schedule_entry(raw: dict[str, Any]) -> ScheduleEntry:
    return ScheduleEntry(_text(raw, "status"), _text(raw, "applicationId"))


def event_entry(raw: dict[str, Any]) -> EventEntry | None:
    start = _text(raw, "startTime")
    if start is None:
        return None  # never upcoming
    names = tuple(n for n in map(person, raw.get("interviewers") or []) if n)
    return EventEntry(
        start,
        _text(raw, "endTime"),
        _text(raw, "interviewScheduleId"),
        tuple(str(i) for i in raw.get("interviewerUserIds") or []),
        names,
        _text(raw, "location"),
        _text(raw, "meetingLink"),
    )


def by_start(entry: EventEntry) -> str:
    """Ordering key: an event's start."""
    return entry.start


def search_text(entry: CandidateEntry) -> str:
    """What a candidate search reads of a candidate."""
    return entry.text


def tag_keys(entry: CandidateEntry) -> tuple[str, ...]:
    """The ways a search may name a candidate's tags: their ids and casefolded titles."""
    return tuple(k for tag in entry.tags for k in tag)
