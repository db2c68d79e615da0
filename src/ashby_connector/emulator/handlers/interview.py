"""``interviewSchedule.create/update/cancel``: schedules with their events (also kept as
``interviewEvent`` records for ``interviewEvent.list``). Creating fires interviewScheduleCreate
and, under the same action id, interviewScheduleUpdate; every later change fires the update."""

from __future__ import annotations

from typing import Any

from ashby_connector.emulator.errors import ApiError, invalid_input
from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.handlers.lookups import acting_user, emit, require, user_summary
from ashby_connector.emulator.handlers.registry import handler
from ashby_connector.emulator.records.kind_store import Record


def _interviewers(ctx: Ctx, people: list[dict[str, Any]]) -> list[Record]:
    """Ashby names interviewers by email; each must be a user of the organisation."""
    out = []
    index = {u.get("email", "").lower(): u for u in ctx.state.iter("user")}
    for person in people:
        user = index.get(str(person["email"]).lower())
        if user is None:
            raise ApiError("user_not_found", f"No user with email {person['email']}", field="interviewers")
        out.append({**user_summary(user), "feedbackRequired": bool(person.get("feedbackRequired", True))})
    return out


def _event(ctx: Ctx, schedule_id: str, spec: dict[str, Any], event_id: str | None = None) -> Record:
    if str(spec["endTime"]) <= str(spec["startTime"]):
        raise invalid_input("endTime", "must be after startTime")
    if spec.get("interviewId"):
        require(ctx, "interview", spec["interviewId"])
    people = _interviewers(ctx, spec["interviewers"])
    now = ctx.state.now_iso()
    event: Record = {
        "id": event_id or ctx.state.new_id(),
        "interviewScheduleId": schedule_id,
        "interviewerUserIds": [p["id"] for p in people],
        "interviewers": people,
        "createdAt": now,
        "updatedAt": now,
        "startTime": spec["startTime"],
        "endTime": spec["endTime"],
        "feedbackLink": f"https://app.ashbyhq.com/interview-briefing/{schedule_id}",
        "hasSubmittedFeedback": False,
    }
    if spec.get("interviewId"):
        event["interviewId"] = spec["interviewId"]
    if spec.get("extraData"):
        event["extraData"] = spec["extraData"]
    return event


def _save(ctx: Ctx, schedule: Record) -> Record:
    for event in schedule.get("interviewEvents", []):
        ctx.state.put("interviewEvent", dict(event), parent=schedule["id"])
    ctx.state.put("interviewSchedule", schedule)
    return ctx.view("interviewSchedule", schedule["id"])


@handler("interviewSchedule.create")
def create(ctx: Ctx) -> Record:
    app = require(ctx, "application", ctx.need("applicationId"), code="application_not_found")
    if app.get("status") in ("Archived", "Hired"):
        raise ApiError("application_blocked", f"application {app['id']} is {app.get('status')}")
    specs = ctx.need("interviewEvents")
    if not specs:
        raise invalid_input("interviewEvents", "must not be empty")
    schedule_id = ctx.state.new_id()
    user = acting_user(ctx)
    schedule: Record = {
        "id": schedule_id,
        "status": "Scheduled",
        "applicationId": app["id"],
        "interviewStageId": (app.get("currentInterviewStage") or {}).get("id", ""),
        "createdAt": ctx.state.now_iso(),
        "interviewEvents": [_event(ctx, schedule_id, spec) for spec in specs],
    }
    if user:
        schedule["scheduledBy"] = user_summary(user)
    out = _save(ctx, schedule)
    emit(ctx, "interviewScheduleCreate", {"interviewSchedule": out})  # + interviewScheduleUpdate
    return out


@handler("interviewSchedule.update")
def update(ctx: Ctx) -> Record:
    schedule = require(ctx, "interviewSchedule", ctx.need("interviewScheduleId"))
    if schedule.get("status") == "Cancelled":
        raise ApiError("interview_schedule_cancelled", f"interview schedule {schedule['id']} was cancelled")
    events: list[Record] = list(schedule.get("interviewEvents", []))
    cancel_id = ctx.arg("interviewEventIdToCancel")
    if cancel_id is not None:
        if all(e["id"] != cancel_id for e in events):
            raise ApiError("interview_event_not_found", f"interview event {cancel_id} not found")
        events = [e for e in events if e["id"] != cancel_id]
        ctx.state.delete("interviewEvent", cancel_id)
    else:
        spec = ctx.need("interviewEvent")
        event_id = ctx.arg("interviewEventId") or (
            spec.get("interviewEventId") if isinstance(spec, dict) else None
        )
        for item in spec if isinstance(spec, list) else [spec]:
            if event_id and any(e["id"] == event_id for e in events):
                new = _event(ctx, schedule["id"], item, event_id)
                events = [new if e["id"] == event_id else e for e in events]
                event_id = None
            else:
                events.append(_event(ctx, schedule["id"], item))
    schedule["interviewEvents"] = events
    if not events:
        schedule["status"] = "NeedsScheduling"
    out = _save(ctx, schedule)
    emit(ctx, "interviewScheduleUpdate", {"interviewSchedule": out})
    return out


@handler("interviewSchedule.cancel")
def cancel(ctx: Ctx) -> Record:
    schedule = require(ctx, "interviewSchedule", ctx.need("id"))
    schedule["status"] = "Cancelled"
    out = _save(ctx, schedule)
    emit(ctx, "interviewScheduleUpdate", {"interviewSchedule": out})
    return out
