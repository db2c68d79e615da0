"""Per-connection field mapping: unified custom fields <-> Ashby custom fields.

A mapping entry names a unified field and the Ashby custom field it stands for, by id or by
title. Reads copy the Ashby value into ``customFields[<unified name>]``; writes check the value
against the field's definition (``customField.list``: ``fieldType``, ``selectableValues``) and
become ``customField.setValue`` calls.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field, model_validator

from ashby_connector.unified.writers import Call, WriteInputError

Raw = dict[str, Any]


class FieldMapEntry(BaseModel):
    unifiedField: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    ashbyFieldId: str | None = Field(default=None, max_length=200)
    ashbyFieldTitle: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _one_target(self) -> FieldMapEntry:
        if not (self.ashbyFieldId or self.ashbyFieldTitle):
            raise ValueError("give ashbyFieldId or ashbyFieldTitle")
        return self

    def matches(self, field: Raw) -> bool:
        if self.ashbyFieldId:
            return field.get("id") == self.ashbyFieldId
        return field.get("title") == self.ashbyFieldTitle


def read_custom_fields(raw: Raw, entries: list[FieldMapEntry]) -> dict[str, Any]:
    values = [f for f in raw.get("customFields") or [] if isinstance(f, dict)]
    out: dict[str, Any] = {}
    for entry in entries:
        found = next((f for f in values if entry.matches(f)), None)
        out[entry.unifiedField] = found.get("value") if found else None
    return out


@dataclass(frozen=True, slots=True)
class SetValue:
    field_id: str
    value: Any


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def check_value(definition: Raw, value: Any) -> str | None:
    """Why ``value`` does not fit the custom field ``definition``; ``None`` when it does."""
    if value is None:
        return None  # null clears the value in Ashby
    kind = definition.get("fieldType")
    allowed = [str(s.get("value")) for s in definition.get("selectableValues") or [] if isinstance(s, dict)]
    if kind in ("String", "LongText"):
        return None if isinstance(value, str) else f"{kind} field needs a string"
    if kind == "Number":
        return None if _is_number(value) else "Number field needs a number"
    if kind == "Boolean":
        return None if isinstance(value, bool) else "Boolean field needs true or false"
    if kind == "Date":
        if not isinstance(value, str):
            return "Date field needs an ISO-8601 date string"
        try:
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return "Date field needs an ISO-8601 date string"
        return None
    if kind == "ValueSelect":
        if not isinstance(value, str):
            return "ValueSelect field needs one of its values"
        return None if not allowed or value in allowed else f"not one of {allowed}"
    if kind == "MultiValueSelect":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "MultiValueSelect field needs a list of its values"
        bad = [v for v in value if allowed and v not in allowed]
        return f"not among {allowed}: {bad}" if bad else None
    if kind == "Currency":
        ok = (
            isinstance(value, dict)
            and _is_number(value.get("value"))
            and isinstance(value.get("currencyCode"), str)
        )
        return None if ok else "Currency field needs {value, currencyCode}"
    if kind in ("NumberRange", "CompensationRange"):
        ok = isinstance(value, dict) and all(_is_number(value.get(k)) for k in ("minValue", "maxValue"))
        return None if ok else f"{kind} field needs {{minValue, maxValue}}"
    return None  # a field type we do not know yet: let Ashby judge it


def plan_writes(
    values: dict[str, Any], entries: list[FieldMapEntry], definitions: list[Raw], object_type: str
) -> list[SetValue]:
    """Check every mapped value against its definition; raise ``WriteInputError`` on the first bad one."""
    by_name = {e.unifiedField: e for e in entries}
    plans = []
    for name, value in values.items():
        entry = by_name.get(name)
        if entry is None:
            raise WriteInputError(f"customFields.{name}", f"no field mapping for custom field {name!r}")
        definition = next(
            (d for d in definitions if entry.matches(d) and d.get("objectType") == object_type), None
        )
        if definition is None or not isinstance(definition.get("id"), str):
            raise WriteInputError(
                f"customFields.{name}", f"the mapped Ashby {object_type} custom field does not exist"
            )
        problem = check_value(definition, value)
        if problem:
            raise WriteInputError(f"customFields.{name}", problem)
        plans.append(SetValue(definition["id"], value))
    return plans


def apply_writes(call: Call, object_type: str, object_id: str, plans: list[SetValue]) -> None:
    for plan in plans:
        call(
            "customField.setValue",
            {
                "objectType": object_type,
                "objectId": object_id,
                "fieldId": plan.field_id,
                "fieldValue": plan.value,
            },
        )
