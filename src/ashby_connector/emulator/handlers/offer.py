"""Offers, in Ashby's order: ``offerProcess.start`` (per application) -> ``offer.start`` (the form
to fill) -> ``offer.create`` (first version) -> ``offer.update`` (new versions), approvals, and the
candidate's decision (``offer.setStatus`` / ``offer.setDecidedAt``). Fires offerCreate/offerUpdate."""

from __future__ import annotations

from typing import Any

from ashby_connector.emulator.errors import ApiError, invalid_input
from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.handlers.lookups import (
    acting_user,
    emit,
    form_definition,
    index_offer,
    offers_of,
    require,
    user_summary,
)
from ashby_connector.emulator.handlers.registry import handler
from ashby_connector.emulator.records.kind_store import Record

# The offer form every offer uses: path -> (title, field type).
FORM_FIELDS = {
    "salary": ("Salary", "Currency"),
    "startDate": ("Start date", "Date"),
    "openingId": ("Opening", "String"),
    "notes": ("Notes", "LongText"),
}
# acceptanceStatus for each decision offer.setStatus accepts.
DECISIONS = {"Accepted": "CandidateAccepted", "Declined": "CandidateRejected", "Cancelled": "OfferCancelled"}


def _form_definition(ctx: Ctx) -> Record:
    fields = [(path, title, kind, path == "salary") for path, (title, kind) in FORM_FIELDS.items()]
    return form_definition(ctx, "Offer details", fields)


def _process(ctx: Ctx) -> Record:
    ident = ctx.need("offerProcessId")
    process = ctx.state.get("offerProcess", ident) if isinstance(ident, str) else None
    if process is None:
        raise ApiError("offer_process_not_found", f"offer process {ident} not found")
    return process


def _version(ctx: Ctx, submissions: list[dict[str, Any]]) -> Record:
    values = {s["path"]: s["value"] for s in submissions}
    unknown = set(values) - set(FORM_FIELDS)
    if unknown:
        raise invalid_input("offerForm.fieldSubmissions", f"unknown fields: {', '.join(sorted(unknown))}")
    version: Record = {
        "id": ctx.state.new_id(),
        "createdAt": ctx.state.now_iso(),
        "approvalStatus": None,
        "customFields": [],
        "fileHandles": [],
    }
    author = acting_user(ctx)
    if author:
        version["author"] = user_summary(author)
    if "salary" in values:
        try:
            version["salary"] = {"currencyCode": "USD", "value": float(values["salary"])}
        except ValueError:
            raise invalid_input("offerForm.salary", "must be a number") from None
    if values.get("startDate"):
        # The form takes a date; the offer answers it as a date-time (midnight UTC), as the spec says.
        version["startDate"] = _date_time(str(values["startDate"]))
    if values.get("openingId"):
        version["openingId"] = require(ctx, "opening", values["openingId"])["id"]
    return version


def _date_time(value: str) -> str:
    """A form's date ("2027-01-04") as a date-time ("2027-01-04T00:00:00.000Z")."""
    return value if "T" in value else f"{value[:10]}T00:00:00.000Z"


def _offer(ctx: Ctx, ident: Any = None) -> Record:
    ident = ident if ident is not None else ctx.need("offerId")
    return require(ctx, "offer", ident, code="offer_not_found")


def _save(ctx: Ctx, offer: Record, webhook: str) -> Record:
    ctx.state.put("offer", offer)
    out = ctx.view("offer", offer["id"])
    emit(ctx, webhook, {"offer": out})
    return out


def _set_process_status(ctx: Ctx, offer: Record, status: str) -> None:
    process_id = offer.get("offerProcessId")
    process = ctx.state.get("offerProcess", process_id) if isinstance(process_id, str) else None
    if process is not None:
        process["status"] = status
        ctx.state.put("offerProcess", process)


@handler("offerProcess.start")
def start_process(ctx: Ctx) -> Record:
    app = require(ctx, "application", ctx.need("applicationId"), code="application_not_found")
    if app.get("status") != "Active":
        raise ApiError("application_blocked", f"application {app['id']} is {app.get('status')}, not Active")
    for process in ctx.state.iter("offerProcess"):
        if process.get("applicationId") == app["id"] and process.get("status") != "OfferCancelled":
            return process  # one live offer process per application, as in Ashby
    process = {"id": ctx.state.new_id(), "applicationId": app["id"], "status": "WaitingOnOfferCreation"}
    ctx.state.put("offerProcess", process)
    return process


@handler("offer.start")
def start_offer(ctx: Ctx) -> Record:
    _process(ctx)
    form = {"id": ctx.state.new_id(), "formDefinition": _form_definition(ctx)}
    ctx.state.extras.setdefault("offer_forms", {})[form["id"]] = form
    return form


@handler("offer.create")
def create(ctx: Ctx) -> Record:
    process = _process(ctx)
    form = ctx.state.extras.get("offer_forms", {}).get(ctx.need("offerFormId"))
    if form is None:
        raise ApiError("offer_form_not_found", "offerFormId must come from offer.start", field="offerFormId")
    if any(o.get("offerProcessId") == process["id"] for o in offers_of(ctx.state, process["applicationId"])):
        raise ApiError("offer_already_exists", "this offer process already has an offer; use offer.update")
    version = _version(ctx, ctx.need("offerForm")["fieldSubmissions"])
    offer: Record = {
        "id": ctx.state.new_id(),
        "applicationId": process["applicationId"],
        "offerProcessId": process["id"],
        "acceptanceStatus": "Created",
        "offerStatus": "WaitingOnApprovalStart",
        "latestVersion": version,
        "versions": [version],
    }
    if not ctx.arg("excludeFormDefinition"):
        offer["formDefinition"] = form["formDefinition"]
    process["status"] = "WaitingOnApprovalStart"
    ctx.state.put("offerProcess", process)
    index_offer(ctx.state, offer)
    return _save(ctx, offer, "offerCreate")


@handler("offer.update")
def update(ctx: Ctx) -> Record:
    offer = _offer(ctx)
    if offer.get("acceptanceStatus") in ("Accepted", "Declined", "Cancelled"):
        raise ApiError("offer_decided", f"offer {offer['id']} was already {offer['acceptanceStatus']}")
    version = _version(ctx, ctx.need("offerForm")["fieldSubmissions"])
    offer["latestVersion"] = version
    offer["versions"] = [*offer.get("versions", []), version]
    offer["offerStatus"] = "WaitingOnApprovalStart"
    return _save(ctx, offer, "offerUpdate")


def _by_version(ctx: Ctx) -> Record:
    version_id = ctx.need("offerVersionId")
    for offer in ctx.state.iter("offer"):
        if (offer.get("latestVersion") or {}).get("id") == version_id:
            return _offer(ctx, offer["id"])
    raise ApiError("offer_version_not_found", f"offer version {version_id} is not the latest of any offer")


@handler("offer.startApprovalProcess")
def start_approval(ctx: Ctx) -> Record:
    offer = _by_version(ctx)
    offer["latestVersion"]["approvalStatus"] = "WaitingOnApprovals"
    offer["offerStatus"] = "WaitingOnOfferApproval"
    _set_process_status(ctx, offer, "WaitingOnOfferApproval")
    return _save(ctx, offer, "offerUpdate")


@handler("offer.approve")
def approve(ctx: Ctx) -> Record:
    offer = _by_version(ctx)
    if ctx.arg("userId"):
        require(ctx, "user", ctx.arg("userId"))
    offer["latestVersion"]["approvalStatus"] = "Approved"
    offer["versions"] = [
        {**v, "approvalStatus": "Approved"} if v.get("id") == offer["latestVersion"]["id"] else v
        for v in offer.get("versions", [])
    ]
    offer["offerStatus"] = "WaitingOnCandidateResponse"
    offer["acceptanceStatus"] = "WaitingOnResponse"
    _set_process_status(ctx, offer, "WaitingOnCandidateResponse")
    return _save(ctx, offer, "offerUpdate")


@handler("offer.setStatus")
def set_status(ctx: Ctx) -> Record:
    offer = _offer(ctx)
    status = ctx.arg("acceptanceStatus") or ctx.arg("status")
    if status not in DECISIONS:
        raise invalid_input("acceptanceStatus", f"must be one of {', '.join(DECISIONS)}")
    offer["acceptanceStatus"] = status
    offer["offerStatus"] = DECISIONS[status]
    offer.setdefault("decidedAt", ctx.state.now_iso())
    _set_process_status(ctx, offer, DECISIONS[status])
    return _save(ctx, offer, "offerUpdate")


@handler("offer.setDecidedAt")
def set_decided_at(ctx: Ctx) -> Record:
    offer = _offer(ctx)
    decided = ctx.need("decidedAt")
    if not isinstance(decided, str) or "T" not in decided:
        raise invalid_input("decidedAt", "must be an ISO-8601 date-time")
    offer["decidedAt"] = decided
    return _save(ctx, offer, "offerUpdate")
