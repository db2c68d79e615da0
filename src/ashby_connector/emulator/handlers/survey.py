"""``surveyRequest.create`` (a link to send a candidate) and ``surveySubmission.create``
(answers; fires surveySubmit)."""

from __future__ import annotations

from ashby_connector.emulator.errors import ApiError
from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.handlers.lookups import emit, require
from ashby_connector.emulator.handlers.registry import handler
from ashby_connector.emulator.records.kind_store import Record


def _parties(ctx: Ctx) -> tuple[Record, Record, Record]:
    cand = require(ctx, "candidate", ctx.need("candidateId"))
    app = require(ctx, "application", ctx.need("applicationId"), code="application_not_found")
    if (app.get("candidate") or {}).get("id") != cand["id"]:
        raise ApiError("application_not_found", f"application {app['id']} is not the candidate's")
    form = require(ctx, "surveyFormDefinition", ctx.need("surveyFormDefinitionId"))
    return cand, app, form


@handler("surveyRequest.create")
def create_request(ctx: Ctx) -> Record:
    cand, app, form = _parties(ctx)
    ident = ctx.state.new_id()
    request = {
        "id": ident,
        "candidateId": cand["id"],
        "applicationId": app["id"],
        "surveyFormDefinitionId": form["id"],
        "surveyUrl": f"https://app.ashbyhq.com/surveys/{ident}",
    }
    ctx.state.put("surveyRequest", request)
    return request


@handler("surveySubmission.create")
def create_submission(ctx: Ctx) -> Record:
    cand, app, form = _parties(ctx)
    submission: Record = {
        "id": ctx.state.new_id(),
        "candidateId": cand["id"],
        "applicationId": app["id"],
        "surveyFormDefinitionId": form["id"],
        "surveyType": form.get("surveyType") or "Questionnaire",
        "submittedAt": ctx.state.now_iso(),
        "submittedValues": ctx.need("submittedValues"),
    }
    if form.get("formDefinition"):
        submission["formDefinition"] = form["formDefinition"]
    ctx.state.put("surveySubmission", submission)
    out = ctx.view("surveySubmission", submission["id"])
    emit(ctx, "surveySubmit", {"surveySubmission": out})
    return out
