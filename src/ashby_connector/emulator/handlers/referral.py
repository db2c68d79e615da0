"""Form submissions that create a candidate and an application: ``applicationForm.submit`` (a
candidate applying to a job posting; fires applicationSubmit) and ``referral.create`` (an employee
referring someone through the referral form)."""

from __future__ import annotations

from typing import Any

from ashby_connector.emulator.delivery.services import file_store
from ashby_connector.emulator.errors import ApiError, invalid_input
from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.handlers.lookups import (
    ARCHIVED_STAGE,
    candidate_summary,
    emit,
    form_definition,
    job_summary,
    new_candidate,
    plan_stages,
    require,
    stage_view,
    user_summary,
)
from ashby_connector.emulator.handlers.registry import handler
from ashby_connector.emulator.records.kind_store import Record

NAME, EMAIL, PHONE, RESUME = (
    "_systemfield_name",
    "_systemfield_email",
    "_systemfield_phone",
    "_systemfield_resume",
)
SYSTEM_FIELDS = [
    (NAME, "Name", "String", True),
    (EMAIL, "Email", "Email", True),
    (PHONE, "Phone", "Phone", False),
    (RESUME, "Resume", "File", False),
]


def _form(ctx: Ctx) -> Record:
    return form_definition(ctx, "Application", SYSTEM_FIELDS)


def _values(ctx: Ctx) -> dict[str, Any]:
    form = ctx.need("applicationForm") if ctx.op.name == "applicationForm.submit" else ctx.body
    values = {s["path"]: s["value"] for s in form.get("fieldSubmissions", [])}
    for path, _, _, required in SYSTEM_FIELDS:
        if required and not str(values.get(path, "")).strip():
            raise invalid_input(f"fieldSubmissions.{path}", "is required")
    return values


def _find_or_create_candidate(ctx: Ctx, values: dict[str, Any]) -> Record:
    email = str(values[EMAIL]).strip().lower()
    ks = ctx.state.kinds["candidate"]
    for ident in ks.lookup("email", email):
        found = ctx.state.get("candidate", ident)
        if found is not None:
            return found
    primary = {"value": email, "type": "Personal", "isPrimary": True}
    cand = new_candidate(ctx, str(values[NAME]).strip())
    cand.update(primaryEmailAddress=primary, emailAddresses=[primary])
    if values.get(PHONE):
        phone = {"value": str(values[PHONE]), "type": "Mobile", "isPrimary": True}
        cand["primaryPhoneNumber"] = phone
        cand["phoneNumbers"] = [phone]
    ks.add_index("email", email, cand["id"])
    return cand


def _attach_resume(ctx: Ctx, cand: Record, value: Any) -> None:
    store = file_store(ctx.state)
    upload = ctx.files.get(str(value)) or ctx.files.get(RESUME)
    if upload is not None:
        stored = store.store(
            filename=upload.filename,
            content_type=upload.content_type,
            data=upload.data,
            context="ApplicationForm",
        )
    else:
        found = store.get(str(value))
        if found is None:
            raise ApiError("file_not_found", f"No uploaded file with handle {value}", field=RESUME)
        stored = found
    entry = {"id": ctx.state.new_id(), "name": stored.filename, "handle": stored.handle}
    cand["fileHandles"] = [*cand.get("fileHandles", []), entry]
    cand["resumeFileHandle"] = entry


def _apply(ctx: Ctx, job: Record, values: dict[str, Any], extra: Record) -> Record:
    """Create (or reuse) the candidate and create their application at the plan's first stage."""
    cand = _find_or_create_candidate(ctx, values)
    if values.get(RESUME) or RESUME in ctx.files:
        _attach_resume(ctx, cand, values.get(RESUME))
    plan_id = job.get("defaultInterviewPlanId")
    stages = [s for s in plan_stages(ctx, str(plan_id)) if s.get("type") != ARCHIVED_STAGE] if plan_id else []
    if not stages:
        raise ApiError("interview_plan_not_found", f"job {job['id']} has no interview plan")
    now = ctx.state.now_iso()
    app: Record = {
        "id": ctx.state.new_id(),
        "createdAt": now,
        "status": "Lead" if stages[0].get("type") == "Lead" else "Active",
        "candidate": candidate_summary(cand),
        "job": job_summary(job),
        "currentInterviewStage": stage_view(stages[0]),
        "hiringTeam": [],
        "customFields": [],
        **extra,
    }
    ctx.state.put("application", app)
    apps = ctx.state.kinds["application"]
    apps.add_index("candidateId", cand["id"], app["id"])
    apps.add_index("jobId", job["id"], app["id"])
    ctx.state.put(
        "applicationHistory",
        {
            "id": ctx.state.new_id(),
            "stageId": stages[0]["id"],
            "title": stages[0].get("title", ""),
            "enteredStageAt": now,
            "stageNumber": 0,
            "allowedActions": ["Delete", "SetEnteredStageAt"],
        },
        parent=app["id"],
    )
    cand["applicationIds"] = [*cand.get("applicationIds", []), app["id"]]
    ctx.state.put("candidate", cand)
    return ctx.view("application", app["id"])


@handler("applicationForm.submit")
def submit(ctx: Ctx) -> Record:
    posting = require(ctx, "jobPosting", ctx.need("jobPostingId"), code="job_posting_not_found")
    if not posting.get("isListed") and not ctx.arg("allowSubmissionForUnpublishedJobPosting"):
        raise ApiError("job_posting_not_published", f"job posting {posting['id']} is not published")
    job = require(ctx, "job", posting.get("jobId"), code="job_not_found")
    values = _values(ctx)
    tags = [require(ctx, "candidateTag", t) for t in ctx.arg("tagIds") or []]
    app = _apply(ctx, job, values, {"appliedViaJobPostingId": posting["id"]})
    if tags:
        cand = ctx.state.get("candidate", app["candidate"]["id"])
        if cand is not None:
            have = {t["id"] for t in cand.get("tags", [])}
            cand["tags"] = cand.get("tags", []) + [
                {"id": t["id"], "title": t["title"], "isArchived": t["isArchived"]}
                for t in tags
                if t["id"] not in have
            ]
            ctx.state.put("candidate", cand)
    emit(ctx, "applicationSubmit", {"application": app})
    return {
        "submittedFormInstance": {
            "id": ctx.state.new_id(),
            "formDefinition": _form(ctx),
            "submittedValues": {k: v for k, v in values.items()},
        },
        "formMessages": {"blocked": False},
    }


def ensure_referral_form(ctx: Ctx) -> Record:
    """Every Ashby organisation has a referral form; the emulator makes its default one on demand."""
    ks = ctx.state.kinds["referralForm"]
    first = next(iter(ks.data), None)
    if first is not None:
        found = ks.get(first)
        if found is not None:
            return found
    form = {
        "id": ctx.state.new_id(),
        "title": "Employee referral",
        "isArchived": False,
        "isDefaultForm": True,
        "organizationId": ctx.state.extras.get("organization_id") or ctx.state.new_id(),
        "formDefinition": _form(ctx),
    }
    ctx.state.put("referralForm", form)
    return form


@handler("referralForm.info")
def referral_form_info(ctx: Ctx) -> Record:
    return ensure_referral_form(ctx)


@handler("referral.create")
def refer(ctx: Ctx) -> Record:
    form = ensure_referral_form(ctx)
    if ctx.need("id") != form["id"]:
        raise ApiError(
            "referral_form_not_found", f"referral form {ctx.body['id']} not found (see referralForm.info)"
        )
    referrer = user_summary(require(ctx, "user", ctx.need("creditedToUserId")))
    values = _values(ctx)
    job_id = values.get("_systemfield_job") or values.get("jobId")
    if not job_id:
        raise invalid_input("fieldSubmissions._systemfield_job", "the job to refer to is required")
    job = require(ctx, "job", job_id, code="job_not_found")
    return _apply(ctx, job, values, {"creditedToUser": referrer})
