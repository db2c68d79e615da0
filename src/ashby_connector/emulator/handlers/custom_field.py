"""``customField.setValue`` / ``setValues``: values on candidates, applications, jobs, openings.
A null value clears the field; the field must be defined for that object type."""

from __future__ import annotations

from typing import Any

from ashby_connector.emulator.errors import ApiError, invalid_input
from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.handlers.lookups import emit, exact, require
from ashby_connector.emulator.handlers.registry import handler
from ashby_connector.emulator.records.kind_store import Record

KIND_OF = {"Candidate": "candidate", "Application": "application", "Job": "job", "Opening": "opening"}


def _target(ctx: Ctx) -> tuple[str, Record]:
    object_type = ctx.need("objectType")
    kind = KIND_OF.get(object_type)
    if kind is None:
        raise invalid_input("objectType", f"must be one of {', '.join(KIND_OF)}")
    return kind, require(ctx, kind, ctx.need("objectId"))


def _apply(ctx: Ctx, object_type: str, rec: Record, field_id: Any, value: Any) -> Record | None:
    definition = require(ctx, "customField", field_id, code="custom_field_not_found")
    if definition.get("objectType") != object_type:
        raise ApiError(
            "custom_field_not_found",
            f"custom field {field_id} is for {definition.get('objectType')}, not {object_type}",
        )
    if definition.get("isArchived"):
        raise ApiError("custom_field_archived", f"custom field {field_id} is archived")
    allowed = [v.get("value") for v in definition.get("selectableValues") or [] if not v.get("isArchived")]
    chosen = value if isinstance(value, list) else [value]
    if allowed and value is not None and any(v not in allowed for v in chosen):
        raise invalid_input(
            "fieldValue", f"must be one of the field's selectable values: {', '.join(map(str, allowed))}"
        )
    others = [f for f in rec.get("customFields", []) if f.get("id") != definition["id"]]
    if value is None:  # null clears the value
        rec["customFields"] = others
        return None
    entry = {
        "id": definition["id"],
        "title": definition["title"],
        "value": value,
        "isPrivate": bool(definition.get("isPrivate", False)),
    }
    rec["customFields"] = [*others, entry]
    return entry


def _save(ctx: Ctx, kind: str, rec: Record) -> None:
    ctx.state.put(kind, rec)
    if kind == "application":
        emit(ctx, "applicationUpdate", {"application": ctx.view("application", rec["id"])})


@handler("customField.setValue")
def set_value(ctx: Ctx) -> Any:
    kind, rec = _target(ctx)
    if "fieldValue" not in ctx.body:
        raise invalid_input("fieldValue", "is required (null clears the value)")
    entry = _apply(ctx, ctx.body["objectType"], rec, ctx.need("fieldId"), ctx.body["fieldValue"])
    _save(ctx, kind, rec)
    definition = require(ctx, "customField", ctx.body["fieldId"])
    if entry is not None:
        return entry
    # A cleared value answers null, which the dispatcher's schema repair would overwrite.
    cleared = {"id": definition["id"], "title": definition["title"], "value": None}
    return exact({**cleared, "isPrivate": bool(definition.get("isPrivate", False))})


@handler("customField.setValues")
def set_values(ctx: Ctx) -> list[Record]:
    kind, rec = _target(ctx)
    for item in ctx.need("values"):
        _apply(ctx, ctx.body["objectType"], rec, item.get("fieldId"), item.get("fieldValue"))
    _save(ctx, kind, rec)
    return list(rec.get("customFields", []))
