"""``application.*`` and ``hiringTeam.*`` writes with Ashby's rules: a stage must belong to the
application's interview plan, an archived-type stage needs an archive reason, a hired-type stage
fires candidateHire (with applicationUpdate and candidateStageChange under the same action id)."""

from __future__ import annotations

from typing import Any

from ashby_connector.emulator.delivery.assessments import AssessmentService
from ashby_connector.emulator.errors import ApiError, invalid_input
from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.handlers.lookups import (
    ARCHIVED_STAGE,
    HIRED_STAGE,
    acting_user,
    candidate_summary,
    emit,
    job_summary,
    offers_of,
    plan_stages,
    require,
    source_summary,
    stage_record,
    stage_view,
    user_summary,
)
from ashby_connector.emulator.handlers.registry import handler
from ashby_connector.emulator.records.kind_store import Record


def application(ctx: Ctx, ident: Any = None) -> Record:
    ident = ident if ident is not None else ctx.need("applicationId")
    return require(ctx, "application", ident, code="application_not_found")


def save(ctx: Ctx, app: Record) -> Record:
    ctx.state.put("application", app)
    return ctx.view("application", app["id"])


def plan_of(app: Record) -> str | None:
    stage = app.get("currentInterviewStage")
    return stage.get("interviewPlanId") if isinstance(stage, dict) else None


def stage_in_plan(ctx: Ctx, stage_id: Any, plan_id: str | None) -> Record:
    stage = stage_record(ctx, stage_id)
    if plan_id is not None and stage.get("interviewPlanId") != plan_id:
        raise ApiError(
            "interview_stage_not_found",
            f"Interview stage {stage_id} is not part of the application's interview plan {plan_id}",
            meta={"interviewStageId": stage_id, "interviewPlanId": plan_id},
        )
    return stage


def _enter_stage(ctx: Ctx, app: Record, stage: Record) -> None:
    """Move ``app`` into ``stage``: status follows the stage type, history gets a new entry."""
    now = ctx.state.now_iso()
    app["currentInterviewStage"] = stage_view(stage)
    kind = stage.get("type")
    if kind == ARCHIVED_STAGE:
        app["status"] = "Archived"
        app["archivedAt"] = now
    else:
        app["status"] = "Hired" if kind == HIRED_STAGE else ("Lead" if kind == "Lead" else "Active")
        app.pop("archiveReason", None)
        app.pop("archivedAt", None)
    # History lives in its own child list (application.listHistory), like the generator's.
    previous = ctx.state.children("applicationHistory", app["id"])
    if previous:
        last = ctx.state.get("applicationHistory", previous[-1])
        if last is not None and not last.get("leftStageAt"):
            last["leftStageAt"] = now
            ctx.state.put("applicationHistory", last, parent=app["id"])
    user = acting_user(ctx)
    entry: Record = {
        "id": ctx.state.new_id(),
        "stageId": stage["id"],
        "title": stage.get("title", ""),
        "enteredStageAt": now,
        "stageNumber": len(previous),
        "allowedActions": ["Delete", "SetEnteredStageAt"],
    }
    if user:
        entry["actorId"] = user["id"]
    ctx.state.put("applicationHistory", entry, parent=app["id"])


def _announce_stage_change(ctx: Ctx, app: Record) -> None:
    service = ctx.state.extras.get("assessment_service")
    if isinstance(service, AssessmentService):
        service.on_stage_entered(app["id"], app["currentInterviewStage"]["id"])
    data = {"application": app}
    if app.get("status") == "Hired":
        offers = offers_of(ctx.state, app["id"])
        hire: dict[str, Any] = {"application": app}
        if offers:
            hire["offer"] = offers[-1]
        emit(ctx, "candidateHire", hire)  # also fires applicationUpdate and candidateStageChange
        return
    action_id = emit(ctx, "candidateStageChange", data)
    emit(ctx, "applicationUpdate", data, action_id)


@handler("application.create")
def create(ctx: Ctx) -> Record:
    cand = require(ctx, "candidate", ctx.need("candidateId"))
    job = require(ctx, "job", ctx.need("jobId"))
    plan_id = ctx.arg("interviewPlanId") or job.get("defaultInterviewPlanId")
    if plan_id is None or (job.get("interviewPlanIds") and plan_id not in job["interviewPlanIds"]):
        raise ApiError(
            "interview_plan_not_found", f"Interview plan {plan_id} is not a plan of job {job['id']}"
        )
    if ctx.arg("interviewStageId"):
        stage = stage_in_plan(ctx, ctx.arg("interviewStageId"), plan_id)
    else:
        stages = [s for s in plan_stages(ctx, plan_id) if s.get("type") != ARCHIVED_STAGE]
        if not stages:
            raise ApiError("interview_stage_not_found", f"Interview plan {plan_id} has no stages")
        stage = stages[0]
    now = ctx.state.now_iso()
    app: Record = {
        "id": ctx.state.new_id(),
        "createdAt": ctx.arg("createdAt") or now,
        "candidate": candidate_summary(cand),
        "job": job_summary(job),
        "hiringTeam": [],
        "customFields": [],
    }
    if ctx.arg("sourceId"):
        app["source"] = source_summary(ctx, ctx.arg("sourceId"))
    if ctx.arg("creditedToUserId"):
        app["creditedToUser"] = user_summary(require(ctx, "user", ctx.arg("creditedToUserId")))
    _enter_stage(ctx, app, stage)
    store = ctx.state.kinds["application"]
    store.add_index("candidateId", cand["id"], app["id"])
    store.add_index("jobId", job["id"], app["id"])
    cand.setdefault("applicationIds", []).append(app["id"])
    ctx.state.put("candidate", cand)
    # Created through the API = an integration: Ashby sends no applicationSubmit for it.
    return save(ctx, app)


@handler("application.update")
def update(ctx: Ctx) -> Record:
    app = application(ctx)
    if ctx.arg("sourceId"):
        app["source"] = source_summary(ctx, ctx.arg("sourceId"))
    if ctx.arg("creditedToUserId"):
        app["creditedToUser"] = user_summary(require(ctx, "user", ctx.arg("creditedToUserId")))
    if ctx.arg("createdAt"):
        app["createdAt"] = ctx.arg("createdAt")
    out = save(ctx, app)
    emit(ctx, "applicationUpdate", {"application": out})
    return out


@handler("application.changeStage")
def change_stage(ctx: Ctx) -> Record:
    app = application(ctx)
    stage = stage_in_plan(ctx, ctx.need("interviewStageId"), plan_of(app))
    if stage.get("type") == ARCHIVED_STAGE:
        reason_id = ctx.arg("archiveReasonId")
        if not reason_id:
            raise invalid_input("archiveReasonId", "is required to move an application to an archived stage")
        reason = require(ctx, "archiveReason", reason_id, code="archive_reason_not_found")
        _enter_stage(ctx, app, stage)
        app["archiveReason"] = reason
    else:
        _enter_stage(ctx, app, stage)
    out = save(ctx, app)
    _announce_stage_change(ctx, out)
    return out


@handler("application.changeSource")
def change_source(ctx: Ctx) -> Record:
    app = application(ctx)
    app["source"] = source_summary(ctx, ctx.need("sourceId"))
    out = save(ctx, app)
    emit(ctx, "applicationUpdate", {"application": out})
    return out


@handler("application.transfer")
def transfer(ctx: Ctx) -> Record:
    app = application(ctx)
    job = require(ctx, "job", ctx.need("jobId"))
    plan_id = ctx.need("interviewPlanId")
    if job.get("interviewPlanIds") and plan_id not in job["interviewPlanIds"]:
        raise ApiError(
            "interview_plan_not_found", f"Interview plan {plan_id} is not a plan of job {job['id']}"
        )
    stage = stage_in_plan(ctx, ctx.need("interviewStageId"), plan_id)
    app["job"] = job_summary(job)
    _enter_stage(ctx, app, stage)
    out = save(ctx, app)
    _announce_stage_change(ctx, out)
    return out


@handler("application.updateHistory")
def update_history(ctx: Ctx) -> Record:
    app = application(ctx)
    entries = ctx.need("applicationHistory")
    plan_id = plan_of(app)
    history: list[Record] = []
    for item in sorted(entries, key=lambda e: int(e["stageNumber"])):
        stage = stage_in_plan(ctx, item["stageId"], plan_id)
        if item.get("archiveReasonId"):
            require(ctx, "archiveReason", item["archiveReasonId"], code="archive_reason_not_found")
        if history:
            history[-1]["leftStageAt"] = item["enteredStageAt"]
        history.append(
            {
                "id": item.get("applicationHistoryId") or ctx.state.new_id(),
                "stageId": stage["id"],
                "title": stage.get("title", ""),
                "enteredStageAt": item["enteredStageAt"],
                "stageNumber": int(item["stageNumber"]),
                "allowedActions": ["Delete", "SetEnteredStageAt"],
            }
        )
    if not history:
        raise invalid_input("applicationHistory", "must not be empty")
    for old in ctx.state.children("applicationHistory", app["id"]):
        ctx.state.delete("applicationHistory", old)
    for entry in history:
        ctx.state.put("applicationHistory", entry, parent=app["id"])
    out = save(ctx, app)
    out["applicationHistory"] = history
    return out


@handler("application.delete")
def delete(ctx: Ctx) -> dict[str, Any]:
    # The candidatesDelete permission is checked by the app from the catalog before we get here.
    app = application(ctx)
    cand_id = (app.get("candidate") or {}).get("id")
    cand = ctx.state.get("candidate", cand_id) if cand_id else None
    if cand is not None:
        cand["applicationIds"] = [i for i in cand.get("applicationIds", []) if i != app["id"]]
        ctx.state.put("candidate", cand)
    # Its offers go with it: offerDelete is how a receiver learns, as list results never show deletes.
    for offer in offers_of(ctx.state, app["id"]):
        ctx.state.delete("offer", offer["id"])
        emit(ctx, "offerDelete", {"offer": {"id": offer["id"], "applicationId": app["id"]}})
    for hist_id in ctx.state.children("applicationHistory", app["id"]):
        ctx.state.delete("applicationHistory", hist_id)
    ctx.state.delete("application", app["id"])
    return {"applicationId": app["id"]}


# -- hiring teams ------------------------------------------------------------------------------


def _member(ctx: Ctx) -> tuple[Record, str]:
    member_id = ctx.need("teamMemberId")
    if not isinstance(member_id, str) or not ctx.visible("user", member_id):
        raise ApiError("user_not_found", f"teamMemberId: user {member_id} not found", field="teamMemberId")
    user = require(ctx, "user", member_id)
    role_id = ctx.need("roleId")
    role = None
    for kind in ("applicationHiringTeamRole", "hiringTeamRole"):
        if kind in ctx.state.kinds and ctx.state.exists(kind, role_id):
            role = ctx.state.get(kind, role_id)
            break
    if role is None:
        raise ApiError(
            "hiring_team_role_not_found", f"roleId: hiring team role {role_id} not found", field="roleId"
        )
    title = str(role.get("title") or role.get("name") or "Member")
    member = {
        "userId": user["id"],
        "firstName": user.get("firstName", ""),
        "lastName": user.get("lastName", ""),
        "email": user.get("email", ""),
        "role": title,
    }
    return member, title


def _change_team(ctx: Ctx, kind: str, ident: Any, add: bool) -> Record:
    rec = require(ctx, kind, ident, code=f"{kind}_not_found")
    member, role = _member(ctx)
    team = [
        m
        for m in rec.get("hiringTeam", [])
        if not (m.get("userId") == member["userId"] and m.get("role") == role)
    ]
    if add:
        team.append(member)
    rec["hiringTeam"] = team
    ctx.state.put(kind, rec)
    if kind == "application":
        emit(ctx, "applicationUpdate", {"application": ctx.view("application", rec["id"])})
    return member


@handler("application.addHiringTeamMember")
def add_member(ctx: Ctx) -> Record:
    return _change_team(ctx, "application", ctx.need("applicationId"), add=True)


@handler("application.removeHiringTeamMember")
def remove_member(ctx: Ctx) -> Record:
    return _change_team(ctx, "application", ctx.need("applicationId"), add=False)


def _team_target(ctx: Ctx) -> tuple[str, Any]:
    for kind in ("application", "job", "opening"):
        if ctx.arg(f"{kind}Id") is not None:
            return kind, ctx.arg(f"{kind}Id")
    raise invalid_input("applicationId", "one of applicationId, jobId or openingId is required")


@handler("hiringTeam.addMember")
def team_add(ctx: Ctx) -> Record:
    kind, ident = _team_target(ctx)
    return _change_team(ctx, kind, ident, add=True)


@handler("hiringTeam.removeMember")
def team_remove(ctx: Ctx) -> Record:
    kind, ident = _team_target(ctx)
    return _change_team(ctx, kind, ident, add=False)
