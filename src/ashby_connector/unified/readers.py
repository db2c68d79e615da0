"""Read mappers: pure functions from one Ashby record (a dict shaped like the catalog's
``results_schema``) to the unified fields of one model. They never raise on a missing or odd
field: Ashby adds fields and drops optional ones, and a read must not fail because of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ashby_connector.unified import enums

Raw = dict[str, Any]
Fields = dict[str, Any]
Reader = Callable[[Raw], Fields]


def _s(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _obj(value: object) -> Raw:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _id_of(value: object) -> str | None:
    return _s(_obj(value).get("id"))


# Records a model reads from another operation's records (a job's posting) arrive under this key,
# put there by whoever joins them (the server, from the store); remoteData never shows it.
JOINED = "_joined"


def joined(raw: Raw, name: str) -> Raw:
    """The related record ``name`` joined to ``raw``, or the one Ashby embedded (``expand``)."""
    return _obj(_obj(raw.get(JOINED)).get(name)) or _obj(raw.get(name))


def joined_all(raw: Raw, name: str) -> list[Raw]:
    """The related records ``name`` joined to ``raw`` (a ``Join`` with ``many``)."""
    return [r for r in map(_obj, _list(_obj(raw.get(JOINED)).get(name))) if r]


def _team(raw: Raw, role: str) -> list[str]:
    return [
        u
        for m in map(_obj, _list(raw.get("hiringTeam")))
        if m.get("role") == role and (u := _s(m.get("userId")))
    ]


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def split_name(name: str | None) -> tuple[str | None, str | None]:
    """Ashby keeps one ``name``; unified contacts want first and last (split at the first space)."""
    if not name:
        return None, None
    first, _, last = name.strip().partition(" ")
    return first or None, last or None


def _contacts(items: object) -> list[Fields]:
    out = []
    for item in _list(items):
        entry = _obj(item)
        if isinstance(entry.get("value"), str):
            out.append(
                {
                    "value": entry["value"],
                    "type": enums.lookup(enums.CONTACT_TYPE, entry.get("type")),
                    "isPrimary": bool(entry.get("isPrimary")),
                }
            )
    return out


def read_contact(raw: Raw) -> Fields:
    first, last = split_name(_s(raw.get("name")))
    return {
        "name": _s(raw.get("name")),
        "firstName": first,
        "lastName": last,
        "email": _s(_obj(raw.get("primaryEmailAddress")).get("value")),
        "phoneNumber": _s(_obj(raw.get("primaryPhoneNumber")).get("value")),
        "emails": _contacts(raw.get("emailAddresses")),
        "phoneNumbers": _contacts(raw.get("phoneNumbers")),
        "company": _s(raw.get("company")),
        "title": _s(raw.get("position")),
    }


def _file_refs(raw: Raw) -> list[Fields]:
    return [
        {"id": f["id"], "name": _s(f.get("name")), "handle": f["handle"]}
        for f in map(_obj, _list(raw.get("fileHandles")))
        if isinstance(f.get("id"), str) and isinstance(f.get("handle"), str)
    ]


def _candidate_location(raw: Raw) -> Fields | None:
    location = _obj(raw.get("location"))
    if not location:
        return None
    components = [
        {"type": c["type"], "name": c["name"]}
        for c in map(_obj, _list(location.get("locationComponents")))
        if isinstance(c.get("type"), str) and isinstance(c.get("name"), str)
    ]
    by_type = {c["type"]: c["name"] for c in components}
    return {
        "summary": _s(location.get("locationSummary")),
        "city": by_type.get("City"),
        "region": by_type.get("Region"),
        "country": by_type.get("Country"),
        "components": components,
    }


def read_candidate(raw: Raw) -> Fields:
    return {
        **read_contact(raw),
        "location": _s(_obj(raw.get("location")).get("locationSummary")),
        "locationDetails": _candidate_location(raw),
        "creditedToId": _id_of(raw.get("creditedToUser")),
        "school": _s(raw.get("school")),
        "profileUrl": _s(raw.get("profileUrl")),
        "timezone": _s(raw.get("timezone")),
        "applicationIds": [a for a in _list(raw.get("applicationIds")) if isinstance(a, str)],
        "tagIds": [t for t in map(_id_of, _list(raw.get("tags"))) if t],
        "sourceId": _id_of(raw.get("source")),
        "fraudStatus": enums.lookup(enums.FRAUD_STATUS, raw.get("fraudStatus")),
        "attachments": _file_refs(raw),
        "socialLinks": [_obj(s) for s in _list(raw.get("socialLinks"))],
    }


def read_user(raw: Raw) -> Fields:
    return {
        "firstName": _s(raw.get("firstName")),
        "lastName": _s(raw.get("lastName")),
        "email": _s(raw.get("email")),
        "role": enums.lookup(enums.USER_ROLE, raw.get("globalRole")),
        "isActive": _bool(raw.get("isEnabled")),
        "managerId": _s(raw.get("managerId")),
    }


def read_workspace(raw: Raw) -> Fields:
    return {"name": _s(raw.get("name")), "jobsPageSlug": _s(raw.get("hostedJobsPageSlug"))}


def read_calendar(raw: Raw) -> Fields:
    # Ashby exposes no calendars; each interviewing user has one, identified by the user's id.
    full = " ".join(p for p in (_s(raw.get("firstName")), _s(raw.get("lastName"))) if p)
    return {
        "name": f"{full}'s interviews" if full else None,
        "ownerId": _s(raw.get("id")),
        "ownerEmail": _s(raw.get("email")),
    }


def read_event_type(raw: Raw) -> Fields:
    return {
        "name": _s(raw.get("title")),
        "externalName": _s(raw.get("externalTitle")),
        "description": _s(raw.get("instructionsPlain")),
        "descriptionHtml": _s(raw.get("instructionsHtml")),
        "duration": None,  # Ashby's interview definitions carry no duration
        "location": None,
        "jobId": _s(raw.get("jobId")),
        "isArchived": _bool(raw.get("isArchived")),
    }


def _interviewer_ids(raw: Raw) -> list[str]:
    ids = [i for i in _list(raw.get("interviewerUserIds")) if isinstance(i, str)]
    return ids or [i for i in map(_id_of, _list(raw.get("interviewers"))) if i]


def read_event(raw: Raw) -> Fields:
    interview = joined(raw, "interview")
    return {
        "title": _s(interview.get("title")),
        "description": _s(interview.get("instructionsPlain")),
        "startTime": _s(raw.get("startTime")),
        "endTime": _s(raw.get("endTime")),
        "location": _s(raw.get("location")),
        "meetingLink": _s(raw.get("meetingLink")),
        "eventTypeId": _s(raw.get("interviewId")) or _s(interview.get("id")),
        "scheduleId": _s(raw.get("interviewScheduleId")),
        "applicationId": _s(raw.get("applicationId")),
        "attendeeUserIds": _interviewer_ids(raw),
        "status": enums.lookup(enums.SCHEDULE_STATUS, raw.get("status")),
    }


def read_interview(raw: Raw) -> Fields:
    interview = joined(raw, "interview")
    return {
        "applicationId": _s(raw.get("applicationId")),
        "scheduleId": _s(raw.get("interviewScheduleId")),
        "interviewTypeId": _s(raw.get("interviewId")) or _s(interview.get("id")),
        "title": _s(interview.get("title")),
        "stageId": _s(raw.get("interviewStageId")),
        "organizerId": _id_of(raw.get("scheduledBy")),
        "status": enums.lookup(enums.SCHEDULE_STATUS, raw.get("status")),
        "startTime": _s(raw.get("startTime")),
        "endTime": _s(raw.get("endTime")),
        "location": _s(raw.get("location")),
        "meetingLink": _s(raw.get("meetingLink")),
        "interviewerIds": _interviewer_ids(raw),
        "hasSubmittedFeedback": _bool(raw.get("hasSubmittedFeedback")),
    }


def _compensation(raw: Raw) -> list[Fields]:
    tiers = []
    for tier in map(_obj, _list(_obj(raw.get("compensation")).get("compensationTiers"))):
        components = [
            {
                "type": _s(c.get("compensationType")),
                "label": _s(c.get("label")),
                "currencyCode": _s(c.get("currencyCode")),
                "interval": _s(c.get("interval")),
                "minValue": _number(c.get("minValue")),
                "maxValue": _number(c.get("maxValue")),
                "summary": _s(c.get("summary")),
            }
            for c in map(_obj, _list(tier.get("components")))
        ]
        tiers.append(
            {
                "id": _s(tier.get("id")),
                "title": _s(tier.get("title")),
                "summary": _s(tier.get("tierSummary")),
                "additionalInformation": _s(tier.get("additionalInformation")),
                "components": components,
            }
        )
    return tiers


def _posting_location_ids(posting: Raw) -> list[str]:
    locations = posting.get("locationIds")
    if isinstance(locations, list):  # an older shape: a bare list of ids
        return [i for i in locations if isinstance(i, str)]
    ids = [_obj(locations).get("primaryLocationId"), *_list(_obj(locations).get("secondaryLocationIds"))]
    return [i for i in ids if isinstance(i, str)]


def _job_locations(raw: Raw, postings: list[Raw]) -> list[str]:
    """Every office of a job: its own location, then each posting's primary and secondary ones."""
    ids = [raw.get("locationId"), *(i for p in postings for i in _posting_location_ids(p))]
    return list(dict.fromkeys(i for i in ids if isinstance(i, str)))


def read_job(raw: Raw) -> Fields:
    postings = joined_all(raw, "jobPostings")
    return {
        "postingUrls": [u for p in postings if (u := _s(p.get("externalLink")))],
        "locationIds": _job_locations(raw, postings),
        "title": _s(raw.get("title")),
        "description": _s(joined(raw, "jobPosting").get("descriptionPlain")),
        "status": enums.lookup(enums.JOB_STATUS, raw.get("status")),
        "employmentType": enums.lookup(enums.EMPLOYMENT_TYPE, raw.get("employmentType")),
        "departmentId": _s(raw.get("departmentId")),
        "locationId": _s(raw.get("locationId")),
        "requisitionId": _s(raw.get("customRequisitionId")),
        "confidential": _bool(raw.get("confidential")),
        "openedAt": _s(raw.get("openedAt")),
        "closedAt": _s(raw.get("closedAt")),
        "hiringManagerIds": _team(raw, "Hiring Manager"),
        "recruiterIds": _team(raw, "Recruiter"),
        "coordinatorIds": _team(raw, "Coordinator"),
        "interviewPlanIds": [p for p in _list(raw.get("interviewPlanIds")) if isinstance(p, str)],
        "jobPostingIds": [p for p in _list(raw.get("jobPostingIds")) if isinstance(p, str)],
        "compensation": _compensation(raw),
        "openings": [
            {"id": o["id"], "state": _s(o.get("openingState")), "isArchived": _bool(o.get("isArchived"))}
            for o in map(_obj, _list(raw.get("openings")))
            if isinstance(o.get("id"), str)
        ],
    }


def _screening_answers(raw: Raw) -> list[Fields] | None:
    """The application form's answers, when the record carries them (``applicationFormSubmissions``
    of a live read) or its stored submissions are joined; None when they were never fetched."""
    submissions = raw.get("applicationFormSubmissions")
    if not isinstance(submissions, list):
        submissions = _obj(raw.get(JOINED)).get("applicationFormSubmissions")
    if not isinstance(submissions, list):
        return None
    answers = []
    # By submission id: live reads and stored rows (kept in id order) give the same list.
    for submission in sorted(map(_obj, submissions), key=lambda sub: str(sub.get("id") or "")):
        fields = {
            f["path"]: f
            for section in map(_obj, _list(_obj(submission.get("formDefinition")).get("sections")))
            for entry in map(_obj, _list(section.get("fields")))
            if isinstance((f := _obj(entry.get("field"))).get("path"), str)
        }
        values = _obj(submission.get("submittedValues"))
        # In the form's question order (stored records keep no key order), then any others.
        for path in [p for p in fields if p in values] + sorted(p for p in values if p not in fields):
            value, field = values[path], fields.get(path, {})
            answers.append(
                {
                    "question": _s(field.get("title")),
                    "path": path,
                    "type": _s(field.get("type")),
                    "value": value,
                }
            )
    return answers


def read_application(raw: Raw) -> Fields:
    stage = _obj(raw.get("currentInterviewStage"))
    recruiters, coordinators = _team(raw, "Recruiter"), _team(raw, "Coordinator")
    return {
        "candidateId": _id_of(raw.get("candidate")) or _s(raw.get("candidateId")),
        "jobId": _id_of(raw.get("job")) or _s(raw.get("jobId")),
        "stageId": _s(stage.get("id")),
        "stageName": _s(stage.get("title")),
        "status": enums.lookup(enums.APPLICATION_STATUS, raw.get("status")),
        "recruiterId": recruiters[-1] if recruiters else None,
        "coordinatorId": coordinators[-1] if coordinators else None,
        "creditedToId": _id_of(raw.get("creditedToUser")),
        "sourceId": _id_of(raw.get("source")),
        "appliedDate": _s(raw.get("createdAt")),
        "rejectedAt": _s(raw.get("archivedAt")),
        "rejectReasonId": _id_of(raw.get("archiveReason")),
        "jobPostingId": _s(raw.get("appliedViaJobPostingId")),
        "screeningAnswers": _screening_answers(raw),
    }


def read_stage(raw: Raw) -> Fields:
    order = raw.get("orderInInterviewPlan")
    return {
        "jobIds": [j for j in (_s(job.get("id")) for job in joined_all(raw, "jobs")) if j],
        "name": _s(raw.get("title")),
        "order": order if isinstance(order, int) else None,
        "type": _s(raw.get("type")),
        "interviewPlanId": _s(raw.get("interviewPlanId")),
    }


def read_activity(raw: Raw) -> Fields:
    """One entry of an application's history: the application entered a stage."""
    return {
        "candidateId": _id_of(raw.get("candidate")),
        "applicationId": _s(raw.get("applicationId")),
        "activityType": enums.ActivityType.STAGE_CHANGE,
        "stageId": _s(raw.get("stageId")),
        "stageName": _s(raw.get("title")),
        "userId": _s(raw.get("actorId")),
        "createdAt": _s(raw.get("enteredStageAt")),
        "occurredAt": _s(raw.get("enteredStageAt")),
        "endedAt": _s(raw.get("leftStageAt")),
    }


def read_note_activity(raw: Raw) -> Fields:
    """A note on a candidate, as one of its activities."""
    return {
        "candidateId": _s(raw.get("candidateId")),
        "activityType": enums.ActivityType.NOTE,
        "userId": _id_of(raw.get("author")),
        "occurredAt": _s(raw.get("createdAt")),
        "body": _s(raw.get("content")),
        "isPrivate": _bool(raw.get("isPrivate")),
    }


def read_offer(raw: Raw) -> Fields:
    latest = _obj(raw.get("latestVersion"))
    return {
        "applicationId": _s(raw.get("applicationId")),
        "status": enums.offer_status(
            raw.get("offerStatus"), raw.get("acceptanceStatus"), latest.get("approvalStatus")
        ),
        "ashbyOfferStatus": _s(raw.get("offerStatus")),
        "ashbyAcceptanceStatus": _s(raw.get("acceptanceStatus")),
        "decidedAt": _s(raw.get("decidedAt")),
        "startDate": _s(latest.get("startDate")),
        "salary": _obj(latest.get("salary")) or None,
        "creatorId": _id_of(latest.get("author")),
        "approvalStatus": _s(latest.get("approvalStatus")),
        "openingId": _s(latest.get("openingId")),
        "versionCount": len(_list(raw.get("versions"))) or None,
        "createdAt": _s(latest.get("createdAt")),
    }


def read_scorecard(raw: Raw) -> Fields:
    values = _obj(raw.get("submittedValues"))
    recommendation = values.get("overall_recommendation")
    return {
        "applicationId": _s(raw.get("applicationId")),
        "interviewId": _s(raw.get("interviewId")),
        "interviewEventId": _s(raw.get("interviewEventId")),
        "interviewerId": _id_of(raw.get("submittedByUser")),
        "submittedAt": _s(raw.get("submittedAt")),
        "overallRecommendation": enums.recommendation(recommendation),
        "overallRecommendationRaw": str(recommendation) if recommendation is not None else None,
        "answers": values,
        "createdAt": _s(raw.get("submittedAt")),
    }


def read_note(raw: Raw) -> Fields:
    return {
        "candidateId": _s(raw.get("candidateId")),
        "authorId": _id_of(raw.get("author")),
        "content": _s(raw.get("content")),
        "isPrivate": _bool(raw.get("isPrivate")),
    }


def read_attachment(raw: Raw) -> Fields:
    return {
        "candidateId": _s(raw.get("candidateId")),
        "name": _s(raw.get("name")),
        "handle": _s(raw.get("handle")),
        "isResume": bool(raw.get("isResume")),
        "type": _attachment_type(raw),
        "offerId": _s(raw.get("offerId")),
    }


def _attachment_type(raw: Raw) -> enums.AttachmentType | None:
    # Ashby marks only the resume; a cover letter is recognised by its file name; an offer
    # letter is a file of an offer version.
    if raw.get("isResume"):
        return enums.AttachmentType.RESUME
    if raw.get("offerId"):
        return enums.AttachmentType.OFFER_LETTER
    name = _s(raw.get("name"))
    if name is None:
        return None
    return enums.AttachmentType.COVER_LETTER if "cover" in name.lower() else enums.AttachmentType.OTHER


def read_job_posting(raw: Raw) -> Fields:
    locations = raw.get("locationIds")
    primary = _s(_obj(locations).get("primaryLocationId"))
    secondary = [i for i in _list(_obj(locations).get("secondaryLocationIds")) if isinstance(i, str)]
    if isinstance(locations, list):  # an older shape: a bare list of ids
        ids = [i for i in locations if isinstance(i, str)]
        primary, secondary = (ids[0] if ids else None), ids[1:]
    listed = _bool(raw.get("isListed"))
    compensation = _obj(raw.get("compensation"))
    return {
        "title": _s(raw.get("title")),
        "jobId": _s(raw.get("jobId")),
        "status": None
        if listed is None
        else (enums.JobPostingStatus.PUBLISHED if listed else enums.JobPostingStatus.UNLISTED),
        "isListed": listed,
        "description": _s(raw.get("descriptionPlain")),
        "descriptionHtml": _s(raw.get("descriptionHtml")),
        "applyUrl": _s(raw.get("applyLink")),
        "externalUrl": _s(raw.get("externalLink")),
        "departmentName": _s(raw.get("departmentName")),
        "locationName": _s(raw.get("locationName")),
        "locationId": primary,
        "secondaryLocationIds": secondary,
        "employmentType": enums.lookup(enums.EMPLOYMENT_TYPE, raw.get("employmentType")),
        "workplaceType": enums.lookup(enums.WORKPLACE_TYPE, raw.get("workplaceType")),
        "publishedDate": _s(raw.get("publishedDate")),
        "applicationDeadline": _s(raw.get("applicationDeadline")),
        "compensationSummary": _s(raw.get("compensationTierSummary"))
        or _s(compensation.get("compensationTierSummary")),
    }


def read_department(raw: Raw) -> Fields:
    return {
        "name": _s(raw.get("name")),
        "externalName": _s(raw.get("externalName")),
        "parentId": _s(raw.get("parentId")),
        "isArchived": _bool(raw.get("isArchived")),
    }


def read_location(raw: Raw) -> Fields:
    return {
        "name": _s(raw.get("name")),
        "externalName": _s(raw.get("externalName")),
        "parentId": _s(raw.get("parentLocationId")),
        "isRemote": _bool(raw.get("isRemote")),
        "workplaceType": enums.lookup(enums.WORKPLACE_TYPE, raw.get("workplaceType")),
        "isArchived": _bool(raw.get("isArchived")),
        "address": _obj(raw.get("address")) or None,
    }


def read_reject_reason(raw: Raw) -> Fields:
    return {
        "name": _s(raw.get("text")),
        "type": enums.lookup(enums.REJECT_REASON_TYPE, raw.get("reasonType")),
        "isArchived": _bool(raw.get("isArchived")),
    }


def read_tag(raw: Raw) -> Fields:
    return {
        "name": _s(raw.get("title")),
        "isArchived": _bool(raw.get("isArchived")),
    }


def read_source(raw: Raw) -> Fields:
    return {
        "name": _s(raw.get("title")),
        "type": _s(_obj(raw.get("sourceType")).get("title")),
        "isArchived": _bool(raw.get("isArchived")),
    }


# The EEOC form's questions, recognised by words of their title or path (Ashby's spec names no
# fixed paths for them): unified field -> words, any of which marks the question.
EEOC_QUESTIONS: dict[str, tuple[str, ...]] = {
    "race": ("race", "ethnic"),
    "gender": ("gender",),
    "veteranStatus": ("veteran",),
    "disabilityStatus": ("disability",),
}


def _eeoc_answer(raw: Raw, words: tuple[str, ...]) -> Any:
    values = _obj(raw.get("submittedValues"))
    titles = {
        f["path"]: _s(f.get("title")) or ""
        for section in map(_obj, _list(_obj(raw.get("formDefinition")).get("sections")))
        for entry in map(_obj, _list(section.get("fields")))
        if isinstance((f := _obj(entry.get("field"))).get("path"), str)
    }
    for path, value in values.items():
        text = f"{path} {titles.get(path, '')}".casefold()
        if any(word in text for word in words):
            return value
    return None


def read_eeoc(raw: Raw) -> Fields:
    """An EEOC survey submission (``surveySubmission.list`` with ``surveyType: EEOC``, as Ashby's
    2025 API listed them)."""
    return {
        "candidateId": _s(raw.get("candidateId")),
        "applicationId": _s(raw.get("applicationId")),
        "submittedAt": _s(raw.get("submittedAt")),
        **{field: _eeoc_answer(raw, words) for field, words in EEOC_QUESTIONS.items()},
    }


def explode_attachments(candidate: Raw) -> list[Raw]:
    """A candidate's files as attachment records (Ashby has no file list of its own)."""
    cid = _s(candidate.get("id"))
    resume = _obj(candidate.get("resumeFileHandle"))
    files = [dict(f) for f in map(_obj, _list(candidate.get("fileHandles"))) if isinstance(f.get("id"), str)]
    if resume.get("id") and not any(f["id"] == resume["id"] for f in files):
        files.append(dict(resume))
    for f in files:
        f["candidateId"] = cid
        f["isResume"] = bool(resume) and f["id"] == resume.get("id")
        f.setdefault("createdAt", candidate.get("createdAt"))
        f.setdefault("updatedAt", candidate.get("updatedAt"))
    seen = {f["id"] for f in files}
    for letter in offer_letters(joined_all(candidate, "offers")):
        if letter["id"] not in seen:
            seen.add(letter["id"])
            files.append({**letter, "candidateId": cid})
    return files


def letters_of_offer(offer: Raw, record_of: Callable[[str, str], Raw | None]) -> list[Raw]:
    """A changed offer's letters as attachments of its application's candidate (what the
    candidate's attachments list shows), the application read through ``record_of(kind, id)``."""
    application = record_of("application", str(offer.get("applicationId"))) or {}
    candidate_id = _id_of(application.get("candidate"))
    return [{**letter, "candidateId": candidate_id} for letter in offer_letters([offer])]


def offer_letters(offers: list[Raw]) -> list[Raw]:
    """The files of every version of these offers (their letters), each naming its offer."""
    out = []
    for offer in offers:
        versions = [_obj(v) for v in _list(offer.get("versions"))] or [_obj(offer.get("latestVersion"))]
        for version in versions:
            for handle in map(_obj, _list(version.get("fileHandles"))):
                if isinstance(handle.get("id"), str):
                    out.append(
                        {
                            **handle,
                            "offerId": _s(offer.get("id")),
                            "isResume": False,
                            "createdAt": version.get("createdAt") or offer.get("createdAt"),
                            "updatedAt": version.get("createdAt") or offer.get("updatedAt"),
                        }
                    )
    return out
