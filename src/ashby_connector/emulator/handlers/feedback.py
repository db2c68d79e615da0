"""``applicationFeedback.submit`` (a scorecard for an application) and
``applicationFeedbackRequest.create`` (ask an interviewer for one)."""

from __future__ import annotations

from ashby_connector.emulator.errors import invalid_input
from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.handlers.lookups import acting_user, require, user_summary
from ashby_connector.emulator.handlers.registry import handler
from ashby_connector.emulator.records.kind_store import Record


def form_values(ctx: Ctx, form_field: str) -> dict[str, str]:
    submissions = ctx.need(form_field).get("fieldSubmissions", [])
    values = {s["path"]: s["value"] for s in submissions}
    if not values:
        raise invalid_input(f"{form_field}.fieldSubmissions", "must not be empty")
    return values


@handler("applicationFeedback.submit")
def submit(ctx: Ctx) -> Record:
    app = require(ctx, "application", ctx.need("applicationId"), code="application_not_found")
    form = require(ctx, "feedbackFormDefinition", ctx.need("formDefinitionId"))
    user = require(ctx, "user", ctx.arg("userId")) if ctx.arg("userId") else acting_user(ctx)
    values = form_values(ctx, "feedbackForm")
    feedback: Record = {
        "id": ctx.state.new_id(),
        "applicationId": app["id"],
        "feedbackFormDefinitionId": form["id"],
        "formDefinition": form.get("formDefinition") or {"sections": form.get("sections", [])},
        "submittedValues": values,
        "submittedAt": ctx.state.now_iso(),
    }
    if user:
        feedback["submittedByUser"] = user_summary(user)
    if ctx.arg("interviewEventId"):
        event = require(ctx, "interviewEvent", ctx.arg("interviewEventId"))
        feedback["interviewEventId"] = event["id"]
        if event.get("interviewId"):
            feedback["interviewId"] = event["interviewId"]
        event["hasSubmittedFeedback"] = True
        ctx.state.put("interviewEvent", event)
    ctx.state.put("applicationFeedback", feedback)
    return {
        "submittedFormInstance": {
            "id": feedback["id"],
            "formDefinition": feedback["formDefinition"],
            "submittedValues": values,
        }
    }


@handler("applicationFeedbackRequest.create")
def request_feedback(ctx: Ctx) -> Record:
    app = require(ctx, "application", ctx.need("applicationId"), code="application_not_found")
    interview = require(ctx, "interview", ctx.need("interviewId"))
    user = require(ctx, "user", ctx.need("interviewerUserId"))
    # A request is an interview event awaiting feedback from that interviewer.
    now = ctx.state.now_iso()
    event: Record = {
        "id": ctx.state.new_id(),
        "interviewId": interview["id"],
        "interviewerUserIds": [user["id"]],
        "interviewers": [{**user_summary(user), "feedbackRequired": True}],
        "createdAt": now,
        "updatedAt": now,
        "startTime": now,
        "endTime": now,
        "hasSubmittedFeedback": False,
        "applicationId": app["id"],
    }
    ctx.state.put("interviewEvent", event)
    return {"applicationId": app["id"], "interviewEventId": event["id"], "interviewerUserId": user["id"]}
