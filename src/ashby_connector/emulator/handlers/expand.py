"""``expand``: the related records Ashby embeds only when asked, and what ``info`` adds to a list's record.

Stored records carry what a plain list answers; an ``expand`` value the operation allows adds the
related records here, at answer time, so they are always current (a renamed location shows in
the next ``job.list`` with ``expand: ["location"]``) and cost nothing when nobody asks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.handlers.pagination import RawEnvelope

Record = dict[str, Any]
Expander = Callable[[Ctx, list[Record]], None]


def _related(ctx: Ctx, kind: str, ident: Any) -> Record | None:
    return ctx.view(kind, ident) if isinstance(ident, str) and ctx.visible(kind, ident) else None


def _embed(kind: str, id_field: str) -> Expander:
    """Put the ``kind`` record named by ``id_field`` into the record, under the kind's name."""

    def expand(ctx: Ctx, records: list[Record]) -> None:
        for rec in records:
            related = _related(ctx, kind, rec.get(id_field))
            if related is not None:
                rec[kind] = related

    return expand


def _job_openings(ctx: Ctx, records: list[Record]) -> None:
    for rec in records:
        summaries = rec.get("openings") or []
        full = [_related(ctx, "opening", s.get("id")) for s in summaries if isinstance(s, dict)]
        rec["openings"] = [o for o in full if o is not None]


def _application_openings(ctx: Ctx, records: list[Record]) -> None:
    by_job: dict[str, list[Record]] = {}
    for opening in ctx.state.iter("opening"):
        for job_id in (opening.get("latestVersion") or {}).get("jobIds") or []:
            by_job.setdefault(job_id, []).append(opening)
    for rec in records:
        rec["openings"] = by_job.get((rec.get("job") or {}).get("id", ""), [])


def _from_extras(name: str, field: str) -> Expander:
    def expand(ctx: Ctx, records: list[Record]) -> None:
        stored: dict[str, list[Record]] = ctx.state.extras.get(name, {})
        for rec in records:
            rec[field] = list(stored.get(rec.get("id", ""), []))

    return expand


def _application_history(ctx: Ctx, records: list[Record]) -> None:
    for rec in records:
        ids = ctx.state.children("applicationHistory", rec.get("id", ""))
        history = [ctx.view("applicationHistory", i) for i in ids]
        rec["applicationHistory"] = sorted(history, key=lambda h: h.get("stageNumber", 0))


def _feedback_form(ctx: Ctx, records: list[Record]) -> None:
    forms: dict[str, Any] = {}
    for rec in records:
        ident = rec.get("feedbackFormDefinitionId")
        if not isinstance(ident, str):
            continue
        if ident not in forms:
            forms[ident] = (ctx.state.get("feedbackFormDefinition", ident) or {}).get("formDefinition")
        if forms[ident] and not (rec.get("formDefinition") or {}).get("sections"):
            rec["formDefinition"] = forms[ident]


def _offer_form(ctx: Ctx, records: list[Record]) -> None:
    if ctx.body.get("excludeFormDefinition"):
        return
    form = ctx.state.extras.get("offer_form_definition")
    if form is not None:
        for rec in records:
            rec.setdefault("formDefinition", form)


# (operation, expand value) -> what it adds.
EXPANDERS: dict[tuple[str, str], Expander] = {
    ("job.list", "location"): _embed("location", "locationId"),
    ("job.info", "location"): _embed("location", "locationId"),
    ("job.list", "openings"): _job_openings,
    ("job.info", "openings"): _job_openings,
    ("application.list", "openings"): _application_openings,
    ("application.info", "openings"): _application_openings,
    ("application.info", "applicationFormSubmissions"): _from_extras(
        "application_form_submissions", "applicationFormSubmissions"
    ),
    ("application.info", "referrals"): _from_extras("application_referrals", "referrals"),
    ("interviewEvent.list", "interview"): _embed("interview", "interviewId"),
}
# What an operation always adds to the stored record: an application's history on info, the form
# a feedback or offer was given on (one shared definition, not a copy per record).
ALWAYS: dict[str, Expander] = {
    "application.info": _application_history,
    "applicationFeedback.list": _feedback_form,
    "offer.info": _offer_form,
}


def expand(ctx: Ctx, result: Any) -> Any:
    """``result`` (a handler's answer) with the requested expansions applied."""
    wanted = ctx.body.get("expand")
    names = [n for n in wanted if isinstance(n, str)] if isinstance(wanted, list) else []
    steps = [EXPANDERS[(ctx.op.name, n)] for n in names if (ctx.op.name, n) in EXPANDERS]
    if ctx.op.name in ALWAYS:
        steps.append(ALWAYS[ctx.op.name])
    if not steps:
        return result
    if isinstance(result, RawEnvelope):
        envelope = orjson.loads(result.body)
        records = envelope.get("results")
        if isinstance(records, list):
            for step in steps:
                step(ctx, [r for r in records if isinstance(r, dict)])
        return RawEnvelope(orjson.dumps(envelope))
    value = getattr(result, "value", result)
    records = value if isinstance(value, list) else [value]
    for step in steps:
        step(ctx, [r for r in records if isinstance(r, dict)])
    return result
