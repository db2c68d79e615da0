"""Reads that need more than the generic list/info: searches, filters on nested fields, apiKey.info."""

from __future__ import annotations

from typing import Any

from ashby_connector.emulator.errors import ApiError
from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.handlers.pagination import RawEnvelope, paginate
from ashby_connector.emulator.handlers.registry import generic_list, handler

SEARCH_LIMIT = 100  # Ashby's searches answer at most 100 records


@handler("apiKey.info")
def api_key_info(ctx: Ctx) -> dict[str, Any]:
    return {"title": ctx.key.title, "createdAt": ctx.key.created_at, "scopes": sorted(ctx.key.permissions)}


def _visible_records(ctx: Ctx, kind: str, ids: Any) -> list[dict[str, Any]]:
    return [ctx.view(kind, i) for i in ids if ctx.visible(kind, i)]


@handler("candidate.search")
def candidate_search(ctx: Ctx) -> list[dict[str, Any]]:
    email = ctx.arg("email")
    name = ctx.arg("name")
    if not email and not name:
        raise ApiError("invalid_input", "email or name is required", field="email")
    ks = ctx.state.kinds["candidate"]
    if email:
        ids: Any = sorted(ks.lookup("email", email.strip().lower()), key=lambda i: ks.seq_of.get(i, 0))
        if not ids:
            # Secondary addresses are not indexed: fall back to a scan of decoded records.
            ids = [
                r["id"]
                for r in ctx.state.iter("candidate")
                if any(e.get("value", "").lower() == email.lower() for e in r.get("emailAddresses", []))
            ]
    else:
        ids = list(ks.data)
    out = []
    for ident in ids:
        if not ctx.visible("candidate", ident):
            continue
        rec = ctx.view("candidate", ident)
        if name and name.lower() not in str(rec.get("name", "")).lower():
            continue
        out.append(rec)
        if len(out) >= SEARCH_LIMIT:
            break
    return out


@handler("candidate.info")
def candidate_info(ctx: Ctx) -> dict[str, Any]:
    if "id" in ctx.body:
        return ctx.require("candidate", ctx.body["id"])
    ext = ctx.arg("externalMappingId")
    for rec in ctx.state.iter("candidate"):
        if rec.get("externalMappingId") == ext and ctx.visible("candidate", rec["id"]):
            return ctx.view("candidate", rec["id"])
    raise ApiError("candidate_not_found", f"no candidate with externalMappingId {ext}")


@handler("user.search")
def user_search(ctx: Ctx) -> list[dict[str, Any]]:
    email = str(ctx.need("email")).lower()
    return [r for r in ctx.state.iter("user") if str(r.get("email", "")).lower() == email]


@handler("job.search")
def job_search(ctx: Ctx) -> list[dict[str, Any]]:
    title = ctx.arg("title")
    req = ctx.arg("requisitionId")
    out = []
    for rec in ctx.state.iter("job"):
        if not ctx.visible("job", rec["id"]):
            continue
        if title and title.lower() not in str(rec.get("title", "")).lower():
            continue
        if req and rec.get("customRequisitionId") != req:
            continue
        out.append(rec)
    return out[:SEARCH_LIMIT]


@handler("project.search")
def project_search(ctx: Ctx) -> list[dict[str, Any]]:
    title = str(ctx.arg("title") or "").lower()
    out = [
        r
        for r in ctx.state.iter("project")
        if ctx.visible("project", r["id"]) and title in str(r.get("title", "")).lower()
    ]
    return out[:SEARCH_LIMIT]


@handler("opening.search")
def opening_search(ctx: Ctx) -> list[dict[str, Any]]:
    ident = ctx.need("identifier")
    return [r for r in ctx.state.iter("opening") if (r.get("latestVersion") or {}).get("identifier") == ident]


@handler("application.list")
def application_list(ctx: Ctx) -> RawEnvelope:
    job_id = ctx.arg("jobId")
    if job_id is None:
        return generic_list(ctx, "application")
    ids = list(ctx.state.kinds["application"].lookup("jobId", job_id))
    status = ctx.arg("status")
    ks = ctx.state.kinds["application"]

    def accept(ident: str) -> bool:
        return status is None or (ks.get(ident) or {}).get("status") == status

    return paginate(ctx, "application", accept=accept, ids=ids)


@handler("candidate.listProjects")
def candidate_projects(ctx: Ctx) -> RawEnvelope:
    links: dict[str, list[str]] = ctx.state.extras.setdefault("candidate_projects", {})
    cid = ctx.arg("candidateId")
    if cid is not None:
        ctx.require("candidate", cid)
        ids = list(links.get(cid, []))
    else:
        ids = sorted({p for ps in links.values() for p in ps})
    return paginate(ctx, "project", ids=ids)


@handler("jobInterviewPlan.info")
def job_interview_plan(ctx: Ctx) -> dict[str, Any]:
    job = ctx.require("job", ctx.need("jobId"))
    plan_id = job.get("defaultInterviewPlanId")
    stages = [ctx.view("interviewStage", i) for i in ctx.state.children("interviewStage", str(plan_id))]
    stages.sort(key=lambda s: s.get("orderInInterviewPlan", 0))
    return {"jobId": job["id"], "interviewPlanId": plan_id, "stages": stages}


@handler("interviewStage.list")
def interview_stages(ctx: Ctx) -> list[dict[str, Any]]:
    plan_id = ctx.require("interviewPlan", ctx.need("interviewPlanId"), code="interview_plan_not_found")["id"]
    stages = _visible_records(ctx, "interviewStage", ctx.state.children("interviewStage", plan_id))
    return sorted(stages, key=lambda s: s.get("orderInInterviewPlan", 0))


@handler("hiringTeamRole.list")
def hiring_team_roles(ctx: Ctx) -> list[Any]:
    roles = [r for r in ctx.state.iter("applicationHiringTeamRole")]
    if ctx.arg("namesOnly", True):
        return [r["title"] for r in roles]
    return roles


@handler("user.list")
def user_list(ctx: Ctx) -> RawEnvelope:
    if ctx.arg("includeDeactivated"):
        return paginate(ctx, "user")
    ks = ctx.state.kinds["user"]
    return paginate(ctx, "user", accept=lambda i: (ks.get(i) or {}).get("isEnabled", True) is not False)


@handler("interviewerPool.list")
def interviewer_pools(ctx: Ctx) -> RawEnvelope:
    ks = ctx.state.kinds["interviewerPool"]
    if ctx.arg("includeArchivedPools"):
        return paginate(ctx, "interviewerPool")
    return paginate(ctx, "interviewerPool", accept=lambda i: i not in ks.archived)


@handler("user.listInterviewerPauses")
def interviewer_pauses(ctx: Ctx) -> list[dict[str, Any]]:
    user_id = ctx.need("userId")
    ctx.require("user", user_id)
    return _visible_records(ctx, "userInterviewerPause", ctx.state.children("userInterviewerPause", user_id))


@handler("jobPosting.list")
def job_postings(ctx: Ctx) -> list[dict[str, Any]]:
    listed_only = ctx.arg("listedOnly", False)
    out = []
    for ident in ctx.state.kinds["jobPosting"].data:
        if not ctx.visible("jobPosting", ident):
            continue
        rec = ctx.view("jobPosting", ident)
        if listed_only and not rec.get("isListed"):
            continue
        loc = ctx.arg("location")
        dept = ctx.arg("department")
        if loc and rec.get("locationName") != loc:
            continue
        if dept and rec.get("departmentName") != dept:
            continue
        out.append(rec)
    return out


@handler("interviewBriefing.info")
def interview_briefing(ctx: Ctx) -> dict[str, Any]:
    event_id = ctx.need("interviewEventId")
    event = ctx.require("interviewEvent", event_id, code="interview_event_not_found")
    sched = ctx.state.get("interviewSchedule", event.get("interviewScheduleId", "")) or {}
    interview = ctx.state.get("interview", event.get("interviewId", "")) or {}
    return {
        "id": event["id"],
        "applicationId": sched.get("applicationId", ""),
        "interviewId": event.get("interviewId", ""),
        "interviewStageId": sched.get("interviewStageId", ""),
        "interviewers": [
            {"hasSubmittedFeedback": bool(event.get("hasSubmittedFeedback"))}
            for _ in event.get("interviewers", [])
        ],
        "hasSubmittedFeedback": bool(event.get("hasSubmittedFeedback")),
        "feedbackFormDefinitionId": interview.get("feedbackFormDefinitionId", ""),
    }
