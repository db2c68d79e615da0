"""Writes of jobs, job postings and openings, with Ashby's job status machine."""

from __future__ import annotations

from typing import Any

from ashby_connector.emulator.errors import ApiError, invalid_input
from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.handlers.registry import handler

# Ashby's job status transitions; anything else is refused.
JOB_TRANSITIONS: dict[str, frozenset[str]] = {
    "Draft": frozenset({"Open", "Archived"}),
    "Open": frozenset({"Closed"}),
    "Closed": frozenset({"Draft", "Archived"}),
    "Archived": frozenset({"Draft"}),
}
STAGES = (
    ("Lead", "Lead"),
    ("Application Review", "PreInterviewScreen"),
    ("Phone Screen", "Active"),
    ("Onsite", "Active"),
    ("Offer", "Offer"),
    ("Hired", "Hired"),
    ("Archived", "Archived"),
)


def _job(ctx: Ctx, field: str = "jobId") -> dict[str, Any]:
    return ctx.require("job", ctx.need(field), code="job_not_found")


def _save_job(ctx: Ctx, job: dict[str, Any], event: str = "jobUpdate") -> dict[str, Any]:
    ctx.state.put("job", job)
    ctx.state.emit(event, {"job": job})
    return job


def new_interview_plan(ctx: Ctx, title: str) -> str:
    """An interview plan with Ashby's usual stages; returns its id."""
    state = ctx.state
    now = state.now_iso()
    plan_id = state.new_id()
    plan: dict[str, Any] = {
        "id": plan_id,
        "title": title,
        "isArchived": False,
        "createdAt": now,
        "updatedAt": now,
    }
    state.put("interviewPlan", plan)
    groups = {g["stageType"]: g["id"] for g in state.iter("interviewStageGroup")}
    for order, (stage_title, stage_type) in enumerate(STAGES):
        stage = {
            "id": state.new_id(),
            "title": stage_title,
            "type": stage_type,
            "orderInInterviewPlan": order,
            "interviewPlanId": plan_id,
        }
        if stage_type in groups:
            stage["interviewStageGroupId"] = groups[stage_type]
        state.put("interviewStage", stage, parent=plan_id)
    return plan_id


@handler("job.create")
def job_create(ctx: Ctx) -> dict[str, Any]:
    state = ctx.state
    dept = ctx.require("department", ctx.need("teamId"), code="department_not_found")
    loc = ctx.require("location", ctx.need("locationId"), code="location_not_found")
    plan_id = ctx.arg("defaultInterviewPlanId")
    plan_ids: list[str] = []
    if ctx.arg("jobTemplateId"):
        # A template carries the organisation's plans; only an active one makes jobs.
        template = ctx.require("jobTemplate", ctx.arg("jobTemplateId"), code="job_template_not_found")
        if template.get("status") != "Active":
            raise invalid_input("jobTemplateId", "only active job templates can be used to create a job")
        plan_ids = [p for p in template.get("interviewPlanIds") or [] if isinstance(p, str)]
        plan_id = plan_id or template.get("defaultInterviewPlanId")
    if plan_id is not None:
        ctx.require("interviewPlan", plan_id, code="interview_plan_not_found")
    else:
        plan_id = new_interview_plan(ctx, f"{ctx.need('title')} interview plan")
    plan_ids = [plan_id, *(p for p in plan_ids if p != plan_id)]
    now = state.now_iso()
    job: dict[str, Any] = {
        "id": state.new_id(),
        "title": ctx.need("title"),
        "confidential": False,
        "status": "Draft",
        "employmentType": "FullTime",
        "locationId": loc["id"],
        "departmentId": dept["id"],
        "defaultInterviewPlanId": plan_id,
        "interviewPlanIds": plan_ids,
        "jobPostingIds": [],
        "hiringTeam": [],
        "customFields": [],
        "createdAt": now,
        "updatedAt": now,
    }
    if ctx.arg("brandId"):
        job["brandId"] = ctx.arg("brandId")
    return _save_job(ctx, job, "jobCreate")


@handler("job.update")
def job_update(ctx: Ctx) -> dict[str, Any]:
    job = _job(ctx)
    if "title" in ctx.body:
        job["title"] = ctx.body["title"]
    if "teamId" in ctx.body:
        job["departmentId"] = ctx.require("department", ctx.body["teamId"], code="department_not_found")["id"]
    if "locationId" in ctx.body:
        job["locationId"] = ctx.require("location", ctx.body["locationId"], code="location_not_found")["id"]
    if "defaultInterviewPlanId" in ctx.body:
        plan = ctx.require(
            "interviewPlan", ctx.body["defaultInterviewPlanId"], code="interview_plan_not_found"
        )
        job["defaultInterviewPlanId"] = plan["id"]
        if plan["id"] not in job.setdefault("interviewPlanIds", []):
            job["interviewPlanIds"].append(plan["id"])
    if "customRequisitionId" in ctx.body:
        job["customRequisitionId"] = ctx.body["customRequisitionId"]
    return _save_job(ctx, job)


@handler("job.setStatus")
def job_set_status(ctx: Ctx) -> dict[str, Any]:
    job = _job(ctx)
    new = ctx.need("status")
    old = job.get("status", "Draft")
    if new != old and new not in JOB_TRANSITIONS.get(old, frozenset()):
        allowed = ", ".join(sorted(JOB_TRANSITIONS.get(old, frozenset()))) or "none"
        raise ApiError(
            "invalid_input",
            f"A job cannot go from {old} to {new} (allowed from {old}: {allowed})",
            field="status",
            meta={"from": old, "to": new},
        )
    job["status"] = new
    now = ctx.state.now_iso()
    if new == "Open":
        job["openedAt"] = now
        job.pop("closedAt", None)
    elif new in ("Closed", "Archived") and old == "Open":
        job["closedAt"] = now
    return _save_job(ctx, job)


@handler("job.updateCompensation")
def job_update_compensation(ctx: Ctx) -> dict[str, Any]:
    job = _job(ctx)
    job["compensation"] = {"compensationTiers": ctx.need("compensationTiers")}
    return _save_job(ctx, job)


@handler("jobPosting.update")
def job_posting_update(ctx: Ctx) -> dict[str, Any]:
    posting = ctx.require("jobPosting", ctx.need("jobPostingId"), code="job_posting_not_found")
    for name in ("title", "workplaceType", "suppressDescriptionOpening", "suppressDescriptionClosing"):
        if name in ctx.body:
            posting[name] = ctx.body[name]
    desc = ctx.arg("description")
    if isinstance(desc, dict):
        posting["descriptionHtml"] = desc.get("content", "")
        posting["descriptionPlain"] = _plain(str(desc.get("content", "")))
    ctx.state.put("jobPosting", posting)
    ctx.state.emit("jobPostingUpdate", {"jobPosting": posting})
    return posting


@handler("jobPosting.updateCompensation")
def job_posting_update_compensation(ctx: Ctx) -> dict[str, Any]:
    """Replaces the posting's tiers; ``compensationTiers: null`` inherits the job's again.
    (Not in the spec: shaped after the endpoint index's description.)"""
    posting = ctx.require("jobPosting", ctx.need("jobPostingId"), code="job_posting_not_found")
    if "compensationTiers" not in ctx.body:
        raise ApiError(
            "invalid_input",
            "compensationTiers: is required (null inherits the job's)",
            field="compensationTiers",
        )
    tiers = ctx.body["compensationTiers"]
    if tiers is None:
        job = ctx.state.get("job", str(posting.get("jobId"))) or {}
        inherited = job.get("compensation")
        if isinstance(inherited, dict):
            posting["compensation"] = {"compensationTiers": list(inherited.get("compensationTiers", []))}
        else:
            posting.pop("compensation", None)
    elif isinstance(tiers, list) and tiers and all(isinstance(t, dict) for t in tiers):
        posting["compensation"] = {"compensationTiers": tiers}
    else:
        raise ApiError(
            "invalid_input",
            "compensationTiers: must be a non-empty array of tiers or null",
            field="compensationTiers",
        )
    posting = ctx.state.put("jobPosting", posting)
    ctx.state.emit("jobPostingUpdate", {"jobPosting": posting})
    return posting


def _plain(html: str) -> str:
    out, inside = [], False
    for ch in html:
        if ch == "<":
            inside = True
        elif ch == ">":
            inside = False
        elif not inside:
            out.append(ch)
    return "".join(out)


# -- openings ----------------------------------------------------------------------------------

OPENING_STATES = ("Draft", "Approved", "Open", "Closed")


def _opening(ctx: Ctx) -> dict[str, Any]:
    return ctx.require("opening", ctx.need("openingId"), code="opening_not_found")


def _save_opening(ctx: Ctx, opening: dict[str, Any]) -> dict[str, Any]:
    ctx.state.put("opening", opening)
    return opening


@handler("opening.create")
def opening_create(ctx: Ctx) -> dict[str, Any]:
    state = ctx.state
    now = state.now_iso()
    for job_id in ctx.arg("jobIds", []):
        ctx.require("job", job_id, code="job_not_found")
    for loc_id in ctx.arg("locationIds", []):
        ctx.require("location", loc_id, code="location_not_found")
    version: dict[str, Any] = {
        "id": state.new_id(),
        "identifier": ctx.arg("identifier") or f"REQ-{state.seq}",
        "description": ctx.arg("description", ""),
        "jobIds": list(ctx.arg("jobIds", [])),
        "locationIds": list(ctx.arg("locationIds", [])),
        "employmentType": ctx.arg("employmentType", "FullTime") or "FullTime",
        "isBackfill": bool(ctx.arg("isBackfill", False)),
        "createdAt": now,
        "hiringTeam": [],
        "customFields": [],
    }
    for name in ("targetHireDate", "targetStartDate", "teamId"):
        if ctx.arg(name):
            version[name] = ctx.arg(name)
    opening = {
        "id": state.new_id(),
        "isArchived": False,
        "openingState": ctx.arg("openingState", "Draft"),
        "latestVersion": version,
    }
    if opening["openingState"] == "Open":
        opening["openedAt"] = now
    _save_opening(ctx, opening)
    state.emit("openingCreate", {"opening": opening})
    return opening


@handler("opening.update")
def opening_update(ctx: Ctx) -> dict[str, Any]:
    opening = _opening(ctx)
    version = opening.setdefault("latestVersion", {})
    for name in (
        "description",
        "employmentType",
        "identifier",
        "isBackfill",
        "targetHireDate",
        "targetStartDate",
        "teamId",
    ):
        if name in ctx.body:
            version[name] = ctx.body[name]
    return _save_opening(ctx, opening)


# method -> (field of the latest version, kind, request field, add?)
_OPENING_LISTS = {
    "addJob": ("jobIds", "job", "jobId", True),
    "removeJob": ("jobIds", "job", "jobId", False),
    "addLocation": ("locationIds", "location", "locationId", True),
    "removeLocation": ("locationIds", "location", "locationId", False),
}


@handler("opening.addJob", "opening.removeJob", "opening.addLocation", "opening.removeLocation")
def opening_list_edit(ctx: Ctx) -> dict[str, Any]:
    field, kind, arg, add = _OPENING_LISTS[ctx.op.method]
    opening = _opening(ctx)
    ident = ctx.need(arg)
    ctx.require(kind, ident, code=f"{kind}_not_found")
    values: list[str] = opening.setdefault("latestVersion", {}).setdefault(field, [])
    if add and ident not in values:
        values.append(ident)
    if not add and ident in values:
        values.remove(ident)
    return _save_opening(ctx, opening)


@handler("opening.setArchived")
def opening_set_archived(ctx: Ctx) -> dict[str, Any]:
    opening = _opening(ctx)
    archive = bool(ctx.arg("archive", True))
    opening["isArchived"] = archive
    if archive:
        opening["archivedAt"] = ctx.state.now_iso()
    else:
        opening.pop("archivedAt", None)
    return _save_opening(ctx, opening)


@handler("opening.setOpeningState")
def opening_set_state(ctx: Ctx) -> dict[str, Any]:
    opening = _opening(ctx)
    new = ctx.need("openingState")
    if opening.get("isArchived"):
        raise ApiError("opening_state_invalid", "An archived opening cannot change state")
    if new == "Closed":
        reason = ctx.arg("closeReasonId")
        if not reason:
            raise ApiError(
                "invalid_input", "closeReasonId is required to close an opening", field="closeReasonId"
            )
        if not ctx.state.exists("closeReason", reason):
            raise ApiError("close_reason_not_found", f"closeReason {reason} not found")
        opening["closeReasonId"] = reason
        opening["closedAt"] = ctx.state.now_iso()
    if new == "Open":
        opening["openedAt"] = ctx.state.now_iso()
    opening["openingState"] = new
    return _save_opening(ctx, opening)
