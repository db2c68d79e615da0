"""Small lookups the write handlers share: records by id with Ashby's not-found codes, and the
summaries Ashby embeds in other records (a candidate inside an application, a user in a team)."""

from __future__ import annotations

from typing import Any

import orjson

from ashby_connector.catalog import Operation
from ashby_connector.emulator.errors import ApiError
from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.handlers.pagination import RawEnvelope
from ashby_connector.emulator.records.kind_store import Record
from ashby_connector.emulator.records.state import State

# The stage types after which an application is no longer active.
ARCHIVED_STAGE = "Archived"
HIRED_STAGE = "Hired"


def require(ctx: Ctx, kind: str, ident: Any, code: str | None = None) -> Record:
    """The record the key may see, or Ashby's ``<kind>_not_found`` error."""
    return ctx.require(kind, ident, code=code)


def candidate_summary(candidate: Record) -> Record:
    out: Record = {"id": candidate["id"], "name": candidate.get("name", "")}
    for name in ("primaryEmailAddress", "primaryPhoneNumber"):
        if candidate.get(name):
            out[name] = candidate[name]
    return out


def job_summary(job: Record) -> Record:
    out: Record = {"id": job["id"], "title": job.get("title", "")}
    for name in ("locationId", "departmentId"):
        if job.get(name):
            out[name] = job[name]
    return out


def user_summary(user: Record) -> Record:
    return {
        "id": user["id"],
        "firstName": user.get("firstName", ""),
        "lastName": user.get("lastName", ""),
        "email": user.get("email", ""),
        "globalRole": user.get("globalRole", "Interviewer"),
        "isEnabled": user.get("isEnabled", True),
        "updatedAt": user.get("updatedAt", ""),
    }


def acting_user(ctx: Ctx) -> Record | None:
    """The user a write is attributed to: ``X-On-Behalf-Of`` when sent, else the first user."""
    on_behalf = ctx.headers.get("x-on-behalf-of")
    if on_behalf:
        user = ctx.state.get("user", on_behalf)
        if user is None:
            raise ApiError("user_not_found", f"user {on_behalf} (X-On-Behalf-Of) not found")
        return user
    ks = ctx.state.kinds["user"]
    first = next(iter(ks.data), None)
    return ks.get(first) if first else None


def source_summary(ctx: Ctx, source_id: Any) -> Record:
    source = require(ctx, "source", source_id)
    out: Record = {
        "id": source["id"],
        "title": source.get("title", ""),
        "isArchived": source.get("isArchived", False),
    }
    if source.get("sourceType"):
        out["sourceType"] = source["sourceType"]
    return out


def stage_record(ctx: Ctx, stage_id: Any) -> Record:
    return require(ctx, "interviewStage", stage_id, code="interview_stage_not_found")


def plan_stages(ctx: Ctx, plan_id: str) -> list[Record]:
    """The stages of an interview plan, in plan order."""
    # Stages are stored as children of their plan; scan only for stages written without one.
    found = [ctx.state.get("interviewStage", i) for i in ctx.state.children("interviewStage", plan_id)]
    stages = [s for s in found if s is not None]
    if not stages:
        stages = [s for s in ctx.state.iter("interviewStage") if s.get("interviewPlanId") == plan_id]
    return sorted(stages, key=lambda s: int(s.get("orderInInterviewPlan") or 0))


def offers_of(state: State, application_id: str) -> list[Record]:
    """The application's offers, oldest first, through an index instead of a scan of every offer."""
    found = (state.get("offer", i) for i in _offer_index(state).get(application_id, []))
    return [o for o in found if o is not None]


def index_offer(state: State, offer: Record) -> None:
    ids = _offer_index(state).setdefault(str(offer.get("applicationId")), [])
    if offer["id"] not in ids:
        ids.append(offer["id"])


def _offer_index(state: State) -> dict[str, list[str]]:
    # Built once per generated organisation (a reset brings a new offer store, hence the identity
    # check), then kept current by the offer writes.
    store = state.kinds["offer"]
    cached = state.extras.get("offers_by_application")
    if isinstance(cached, tuple) and cached[0] is store:
        index: dict[str, list[str]] = cached[1]
        return index
    index = {}
    for rec in state.iter("offer"):
        index.setdefault(str(rec.get("applicationId")), []).append(rec["id"])
    state.extras["offers_by_application"] = (store, index)
    return index


def stage_view(stage: Record) -> Record:
    """A stage as applications embed it (``currentInterviewStage``)."""
    keys = ("id", "title", "type", "orderInInterviewPlan", "interviewStageGroupId", "interviewPlanId")
    return {k: stage[k] for k in keys if k in stage}


def form_definition(ctx: Ctx, title: str, fields: list[tuple[str, str, str, bool]]) -> Record:
    """A one-section form definition from ``(path, title, field type, required)`` tuples."""
    entries = [
        {
            "isRequired": required,
            "field": {
                "id": ctx.state.new_id(),
                "type": kind,
                "path": path,
                "humanReadablePath": label,
                "title": label,
                "isNullable": not required,
            },
        }
        for path, label, kind, required in fields
    ]
    return {"sections": [{"title": title, "fields": entries}]}


def new_candidate(ctx: Ctx, name: str) -> Record:
    """A candidate record with every list Ashby always returns, empty."""
    ident = ctx.state.new_id()
    return {
        "id": ident,
        "name": name,
        "createdAt": ctx.state.now_iso(),
        "emailAddresses": [],
        "phoneNumbers": [],
        "socialLinks": [],
        "tags": [],
        "applicationIds": [],
        "fileHandles": [],
        "customFields": [],
        "profileUrl": f"https://app.ashbyhq.com/candidates/{ident}",
    }


def exact(value: Any) -> RawEnvelope:
    """A success envelope sent as is, bypassing the dispatcher's schema repair, for answers Ashby
    gives that its schema does not allow (a custom field just cleared answers ``value: null``,
    which the spec's ``oneOf`` of value types leaves out). Nulls the schema allows, directly or
    through an ``anyOf``/``oneOf`` branch, survive the repair: don't use this for those."""
    return RawEnvelope(orjson.dumps({"success": True, "results": value}))


def validation_body(op: Operation, parsed: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
    """What the app validates against the catalog schema for this request.

    Multipart uploads get a placeholder per file part (their schema names the file field).
    ``customField.setValue`` accepts ``fieldValue: null`` to clear a value, which Ashby documents
    but the spec's schema does not allow, so a stand-in value is validated instead.
    """
    if files:
        return {**parsed, **{name: "<file>" for name in files}}
    if op.name == "customField.setValue" and parsed.get("fieldValue", 0) is None:
        return {**parsed, "fieldValue": ""}
    return parsed


def emit(ctx: Ctx, webhook_type: str, data: dict[str, Any], action_id: str | None = None) -> str:
    return ctx.state.emit(webhook_type, data, action_id)
