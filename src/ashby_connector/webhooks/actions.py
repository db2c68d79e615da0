"""What each Ashby webhook action means for the store: which record it carries and how to fetch the
full record when the payload is partial."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Carried:
    """A record carried under ``data[key]``, stored as ``kind``, refetched with ``info_op``."""

    key: str
    kind: str
    info_op: str | None
    id_param: str


APPLICATION = Carried("application", "application", "application.info", "applicationId")
OFFER = Carried("offer", "offer", "offer.info", "offerId")
JOB = Carried("job", "job", "job.info", "id")
JOB_POSTING = Carried("jobPosting", "jobPosting", "jobPosting.info", "jobPostingId")
OPENING = Carried("opening", "opening", "opening.info", "openingId")
INTERVIEW_SCHEDULE = Carried("interviewSchedule", "interviewSchedule", None, "")
SURVEY_SUBMISSION = Carried("surveySubmission", "surveySubmission", None, "")
CANDIDATE = Carried("candidate", "candidate", "candidate.info", "id")

# Upserts: the records each action carries, in the order they are applied.
UPSERTS: dict[str, tuple[Carried, ...]] = {
    "applicationSubmit": (APPLICATION,),
    "applicationUpdate": (APPLICATION,),
    "candidateStageChange": (APPLICATION,),
    "pushToHRIS": (APPLICATION,),
    "candidateHire": (APPLICATION, OFFER),
    "offerCreate": (OFFER,),
    "offerUpdate": (OFFER,),
    "jobCreate": (JOB,),
    "jobUpdate": (JOB,),
    "jobPostingPublish": (JOB_POSTING,),
    "jobPostingUnpublish": (JOB_POSTING,),
    "jobPostingUpdate": (JOB_POSTING,),
    "openingCreate": (OPENING,),
    "interviewScheduleCreate": (INTERVIEW_SCHEDULE,),
    "interviewScheduleUpdate": (INTERVIEW_SCHEDULE,),
    "surveySubmit": (SURVEY_SUBMISSION,),
}

# Deletes: action -> (data key, kind).
DELETES: dict[str, tuple[str, str]] = {
    "candidateDelete": ("candidate", "candidate"),
    "offerDelete": ("offer", "offer"),
    "jobPostingDelete": ("jobPosting", "jobPosting"),
}

# Actions handled specially or on purpose ignored (stored in the inbox, marked done).
SPECIAL = frozenset({"candidateMerge", "interviewPlanTransition"})


# Webhooks whose payload alone cannot bring the copy up to date: after applying what they carry,
# these lists are re-read by one incremental run (trigger ``webhook``, coalesced per connection).
# - candidateMerge carries two ids: Ashby moved the merged-away candidate's applications, emails,
#   tags and files onto the survivor, which the refetch of the survivor and of the stored
#   applications covers only for what the store already held.
# - interviewPlanTransition carries the job and the stage mappings, not the applications Ashby
#   moved to the new plan's stages (nor a new plan's stages).
# - surveySubmit without ``submittedValues`` carries no answers.
# offerDelete and candidateDelete need none: the id is the whole change (deletions never appear
# in incremental lists anyway).
FOLLOW_UPS: dict[str, tuple[str, ...]] = {
    "candidateMerge": ("candidate", "application"),
    "interviewPlanTransition": ("application", "interviewPlan", "interviewStage"),
    "surveySubmit": ("surveySubmission",),
}


def follow_up(action: str, data: dict[str, object]) -> tuple[str, ...]:
    """The lists a run must re-read after this webhook was applied (none for most)."""
    if action == "surveySubmit":
        submission = data.get("surveySubmission")
        if isinstance(submission, dict) and submission.get("submittedValues"):
            return ()
    return FOLLOW_UPS.get(action, ())


def is_partial(carried: Carried, record: dict[str, object]) -> bool:
    """A payload record without ``updatedAt`` cannot be ordered against the store: fetch it whole.

    Ashby's offer payloads in particular are thin; applications and jobs come complete.
    """
    return "updatedAt" not in record or len(record) <= 2


def kinds_of(action: str) -> tuple[str, ...]:
    """The kinds a webhook of ``action`` writes into the copy (its records and its follow-up lists)."""
    kinds = [c.kind for c in UPSERTS.get(action, ())]
    if action in DELETES:
        kinds.append(DELETES[action][1])
    kinds.extend(FOLLOW_UPS.get(action, ()))
    if action == "candidateMerge":
        kinds.append("candidate")
    return tuple(dict.fromkeys(kinds))
