"""Where each unified field comes from in Ashby and where a write sends it: one table per model.

``read`` is a path into the raw Ashby record the model is read from: dots for nested fields,
``[]`` for every item of a list, ``[role=Recruiter]`` for the items whose ``role`` is Recruiter,
``@jobPosting.`` for a field of a joined record (``ModelSpec.joins``), ``^`` for a field the record
takes from its parent (an event's schedule). ``None`` means the field is derived (``note`` says
how). ``write`` names the Ashby operation and request field a create or update sends it to.

``docs/unified_fields.md`` is generated from this table (``python -m
ashby_connector.unified.fieldtable``); tests check that the table names every model field, that
the docs are fresh, and that each field reads non-null whenever the emulator's record fills its
source.
"""

from __future__ import annotations

from dataclasses import dataclass

from ashby_connector.unified.readers import EEOC_QUESTIONS


@dataclass(frozen=True, slots=True)
class Src:
    read: str | None
    write: str | None = None
    note: str = ""


_CONTACT = {
    "name": Src("name", "candidate.create/update name"),
    "firstName": Src("name", "candidate.create/update name", "the part before the first space"),
    "lastName": Src("name", "candidate.create/update name", "the part after the first space"),
    "email": Src("primaryEmailAddress.value", "candidate.create/update email"),
    "phoneNumber": Src("primaryPhoneNumber.value", "candidate.create/update phoneNumber"),
    "emails": Src("emailAddresses[].value"),
    "phoneNumbers": Src("phoneNumbers[].value"),
    "company": Src("company"),
    "title": Src("position"),
}

SOURCES: dict[str, dict[str, Src]] = {
    "genericContact": _CONTACT,
    "atsCandidate": {
        **_CONTACT,
        "location": Src("location.locationSummary"),
        "locationDetails": Src("location.locationComponents[].name", note="city, region, country"),
        "school": Src("school"),
        "profileUrl": Src("profileUrl"),
        "timezone": Src("timezone"),
        "applicationIds": Src("applicationIds[]"),
        "tagIds": Src("tags[].id", note="expand=tags"),
        "sourceId": Src("source.id", "candidate.create/update sourceId", "expand=source"),
        "fraudStatus": Src("fraudStatus"),
        "creditedToId": Src("creditedToUser.id", note="expand=creditedTo"),
        "attachments": Src("fileHandles[].handle"),
        "socialLinks": Src("socialLinks[].url"),
    },
    "genericUser": {
        "firstName": Src("firstName"),
        "lastName": Src("lastName"),
        "email": Src("email"),
        "role": Src("globalRole"),
        "isActive": Src("isEnabled"),
        "managerId": Src("managerId"),
    },
    "genericWorkspace": {"name": Src("name"), "jobsPageSlug": Src("hostedJobsPageSlug")},
    "scheduleCalendar": {
        "name": Src("firstName", note='"<first> <last>\'s interviews"'),
        "ownerId": Src("id"),
        "ownerEmail": Src("email"),
    },
    "scheduleEventType": {
        "name": Src("title"),
        "externalName": Src("externalTitle"),
        "description": Src("instructionsPlain"),
        "descriptionHtml": Src("instructionsHtml"),
        "duration": Src(None, note="Ashby's interview definitions carry no duration"),
        "location": Src(None, note="Ashby keeps no location on an interview definition"),
        "jobId": Src("jobId"),
        "calendarId": Src(None, note="Ashby has no calendars"),
        "isArchived": Src("isArchived"),
    },
    "scheduleEvent": {
        "title": Src("@interview.title"),
        "description": Src("@interview.instructionsPlain"),
        "startTime": Src("startTime", "interviewSchedule.create/update interviewEvents[].startTime"),
        "endTime": Src("endTime", "interviewSchedule.create/update interviewEvents[].endTime"),
        "location": Src("location"),
        "meetingLink": Src("meetingLink"),
        "eventTypeId": Src("interviewId", "interviewSchedule.create/update interviewEvents[].interviewId"),
        "scheduleId": Src("interviewScheduleId"),
        "applicationId": Src("^applicationId", "interviewSchedule.create applicationId"),
        "attendeeUserIds": Src("interviewerUserIds[]", note="write: interviewerEmails"),
        "status": Src("^status"),
    },
    "atsJob": {
        "title": Src("title", "job.create/update title"),
        "description": Src("@jobPosting.descriptionPlain", note="the job's first posting"),
        "status": Src("status", "job.setStatus status"),
        "employmentType": Src("employmentType"),
        "departmentId": Src("departmentId", "job.create/update teamId"),
        "locationId": Src("locationId", "job.create/update locationId"),
        "requisitionId": Src("customRequisitionId", "job.update customRequisitionId"),
        "confidential": Src("confidential"),
        "openedAt": Src("openedAt"),
        "closedAt": Src("closedAt"),
        "hiringManagerIds": Src("hiringTeam[role=Hiring Manager].userId"),
        "recruiterIds": Src("hiringTeam[role=Recruiter].userId"),
        "coordinatorIds": Src("hiringTeam[role=Coordinator].userId"),
        "locationIds": Src(
            "locationId", note="then @jobPostings[].locationIds (primary, secondary); expand=locations"
        ),
        "interviewPlanIds": Src("interviewPlanIds[]"),
        "jobPostingIds": Src("jobPostingIds[]", note="expand=jobPostings"),
        "postingUrls": Src("@jobPostings[].externalLink", note="each posting's public page"),
        "compensation": Src("compensation.compensationTiers[].id"),
        "openings": Src("openings[].id"),
    },
    "atsApplication": {
        "candidateId": Src("candidate.id", "application.create candidateId"),
        "jobId": Src("job.id", "application.create jobId"),
        "stageId": Src("currentInterviewStage.id", "application.changeStage interviewStageId"),
        "stageName": Src("currentInterviewStage.title"),
        "status": Src("status"),
        "recruiterId": Src(
            "hiringTeam[role=Recruiter].userId", "application.addHiringTeamMember (role Recruiter)"
        ),
        "coordinatorId": Src(
            "hiringTeam[role=Coordinator].userId", "application.addHiringTeamMember (role Coordinator)"
        ),
        "creditedToId": Src("creditedToUser.id", "application.create/update creditedToUserId"),
        "sourceId": Src("source.id", "application.changeSource sourceId"),
        "appliedDate": Src("createdAt"),
        "rejectedAt": Src("archivedAt"),
        "rejectReasonId": Src("archiveReason.id", "application.changeStage archiveReasonId"),
        "jobPostingId": Src("appliedViaJobPostingId"),
        "screeningAnswers": Src(
            "applicationFormSubmissions[].submittedValues",
            note="stored child list applicationFormSubmission (application.info expand "
            "applicationFormSubmissions, one request per application), per its child policy (lazy)",
        ),
    },
    "atsApplicationStage": {
        "name": Src("title"),
        "order": Src("orderInInterviewPlan"),
        "type": Src("type"),
        "interviewPlanId": Src("interviewPlanId"),
        "jobIds": Src(
            "@jobs[].id", note="stored jobs whose interviewPlanIds hold the stage's plan; expand=jobs"
        ),
    },
    "atsActivity": {
        "candidateId": Src(
            "candidate.id", note="^ a stage move's application's candidate; a note's parent candidate"
        ),
        "applicationId": Src("applicationId", note="a stage move's parent application; none on notes"),
        "activityType": Src(
            None,
            note="STAGE_CHANGE for application.listHistory, NOTE for candidate.listNotes; no EMAIL: "
            "Ashby's API has no read of emails",
        ),
        "stageId": Src("stageId"),
        "stageName": Src("title"),
        "userId": Src("actorId", note="who moved it; a note's author.id"),
        "occurredAt": Src("enteredStageAt", note="a note's createdAt"),
        "endedAt": Src("leftStageAt"),
        "body": Src("content", note="notes only"),
        "isPrivate": Src("isPrivate", note="notes only"),
    },
    "atsOffer": {
        "applicationId": Src("applicationId", "offerProcess.start applicationId"),
        "status": Src("offerStatus", note="offerStatus, acceptanceStatus and approvalStatus together"),
        "decidedAt": Src("decidedAt"),
        "startDate": Src("latestVersion.startDate", "offer.create/update offerForm"),
        "salary": Src("latestVersion.salary.value", "offer.create/update offerForm"),
        "creatorId": Src("latestVersion.author.id"),
        "approvalStatus": Src("latestVersion.approvalStatus"),
        "ashbyOfferStatus": Src("offerStatus"),
        "ashbyAcceptanceStatus": Src("acceptanceStatus"),
        "openingId": Src("latestVersion.openingId"),
        "versionCount": Src("versions[].id"),
    },
    "atsInterview": {
        "applicationId": Src("^applicationId", "interviewSchedule.create applicationId"),
        "scheduleId": Src("interviewScheduleId"),
        "interviewTypeId": Src(
            "interviewId", "interviewSchedule.create/update interviewEvents[].interviewId"
        ),
        "title": Src("@interview.title"),
        "stageId": Src("^interviewStageId"),
        "organizerId": Src("^scheduledBy.id"),
        "status": Src("^status"),
        "startTime": Src("startTime", "interviewSchedule.create/update interviewEvents[].startTime"),
        "endTime": Src("endTime", "interviewSchedule.create/update interviewEvents[].endTime"),
        "location": Src("location"),
        "meetingLink": Src("meetingLink"),
        "interviewerIds": Src("interviewerUserIds[]", note="write: interviewerEmails"),
        "hasSubmittedFeedback": Src("hasSubmittedFeedback"),
    },
    "atsScorecard": {
        "applicationId": Src("applicationId", "applicationFeedback.submit applicationId"),
        "interviewId": Src("interviewId"),
        "interviewEventId": Src("interviewEventId", "applicationFeedback.submit interviewEventId"),
        "interviewerId": Src("submittedByUser.id", "applicationFeedback.submit userId"),
        "submittedAt": Src("submittedAt"),
        "overallRecommendation": Src(
            "submittedValues.overall_recommendation", note="1..4 to DEFINITELY_NO, NO, YES, STRONG_YES"
        ),
        "overallRecommendationRaw": Src("submittedValues.overall_recommendation"),
        "answers": Src("submittedValues", "applicationFeedback.submit feedbackForm.fieldSubmissions"),
    },
    "atsNote": {
        "candidateId": Src("^candidateId", "candidate.createNote candidateId"),
        "authorId": Src("author.id"),
        "content": Src("content", "candidate.createNote note"),
        "isPrivate": Src("isPrivate", "candidate.createNote isPrivate"),
    },
    "atsAttachment": {
        "candidateId": Src(None, note="the candidate the file belongs to"),
        "name": Src("name"),
        "handle": Src("handle"),
        "isResume": Src(None, note="the candidate's resumeFileHandle"),
        "type": Src(
            "name",
            note="RESUME for the resume, OFFER_LETTER for an offer version's file, "
            "COVER_LETTER by file name, else OTHER",
        ),
        "offerId": Src(
            "offerId",
            note="offer letters: @offers[].versions[].fileHandles (offers of the candidate's applications)",
        ),
        "downloadUrl": Src(None, note="file.info url, with ?downloadUrl=true"),
    },
    "atsJobPosting": {
        "title": Src("title", "jobPosting.update title"),
        "jobId": Src("jobId"),
        "status": Src("isListed", note="PUBLISHED when listed, else UNLISTED"),
        "isListed": Src("isListed"),
        "description": Src("descriptionPlain"),
        "descriptionHtml": Src("descriptionHtml", "jobPosting.update description.content"),
        "applyUrl": Src("applyLink"),
        "externalUrl": Src("externalLink"),
        "departmentName": Src("departmentName"),
        "locationName": Src("locationName"),
        "locationId": Src("locationIds.primaryLocationId"),
        "secondaryLocationIds": Src("locationIds.secondaryLocationIds[]"),
        "employmentType": Src("employmentType"),
        "workplaceType": Src("workplaceType", "jobPosting.update workplaceType"),
        "publishedDate": Src("publishedDate"),
        "applicationDeadline": Src("applicationDeadline"),
        "compensationSummary": Src("compensationTierSummary"),
    },
    "atsDepartment": {
        "name": Src("name", "department.create/update name"),
        "externalName": Src("externalName", "department.create/update externalName"),
        "parentId": Src("parentId", "department.create parentId"),
        "isArchived": Src("isArchived", "department.archive"),
    },
    "atsLocation": {
        "name": Src("name", "location.create name, location.updateName"),
        "externalName": Src("externalName", "location.updateExternalName"),
        "parentId": Src("parentLocationId", "location.create parentLocationId"),
        "isRemote": Src("isRemote", "location.create isRemote"),
        "workplaceType": Src("workplaceType", "location.create workplaceType"),
        "isArchived": Src("isArchived", "location.archive"),
        "address": Src("address.postalAddress"),
    },
    "atsRejectReason": {"name": Src("text"), "type": Src("reasonType"), "isArchived": Src("isArchived")},
    "atsTag": {"name": Src("title", "candidateTag.create title"), "isArchived": Src("isArchived")},
    "atsSource": {"name": Src("title"), "type": Src("sourceType.title"), "isArchived": Src("isArchived")},
    # Ashby's 2025 API listed EEOC submissions (surveySubmission.list, surveyType EEOC); its current
    # API does not, so these are the sources the fields would come from, and every read answers 501.
    "atsEeoc": {
        "candidateId": Src("candidateId"),
        "applicationId": Src("applicationId"),
        "submittedAt": Src("submittedAt"),
        **{
            name: Src("submittedValues", note=f"the answer whose question mentions {' or '.join(words)}")
            for name, words in EEOC_QUESTIONS.items()
        },
    },
}


def values_at(raw: object, path: str) -> list[object]:
    """Every non-empty value at ``path`` in ``raw`` (``^`` and ``@name.`` are read as plain
    paths: the caller passes the record that holds them)."""
    path = path.lstrip("^")
    current: list[object] = [raw]
    for part in path.split("."):
        name, _, selector = part.partition("[")
        selector = selector.rstrip("]")
        nxt: list[object] = []
        for value in current:
            item = value.get(name) if isinstance(value, dict) else None
            if selector or part.endswith("[]"):
                items = item if isinstance(item, list) else []
                if "=" in selector:
                    key, _, wanted = selector.partition("=")
                    items = [i for i in items if isinstance(i, dict) and i.get(key) == wanted]
                nxt.extend(items)
            else:
                nxt.append(item)
        current = [v for v in nxt if v not in (None, "", [], {})]
    return current
