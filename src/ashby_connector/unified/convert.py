"""``to_unified``: one Ashby record to one unified record (model, field mapping, raw on request)."""

from __future__ import annotations

from typing import Any

from ashby_connector.unified.custom import CustomModelDef, read_custom
from ashby_connector.unified.fieldmap import FieldMapEntry, read_custom_fields
from ashby_connector.unified.models import CustomRecord, UnifiedModel
from ashby_connector.unified.readers import JOINED
from ashby_connector.unified.registry import ModelSpec
from ashby_connector.unified.render import render

Raw = dict[str, Any]


def _common(raw: Raw, deleted_at: str | None) -> dict[str, Any]:
    rid = str(raw.get("id") or "")
    created = raw.get("createdAt")
    updated = raw.get("updatedAt")
    return {
        "id": rid,
        "remoteId": rid,
        "createdAt": created if isinstance(created, str) else None,
        "updatedAt": updated if isinstance(updated, str) else None,
        "deletedAt": deleted_at,
    }


def _fields(
    spec: ModelSpec,
    raw: Raw,
    mapping: list[FieldMapEntry] | None,
    include_raw: bool,
    deleted_at: str | None,
) -> dict[str, Any]:
    spec.require_readable("read")
    fields = {**_common(raw, deleted_at), **spec.read(raw)}
    if fields.get("createdAt") is None:
        fields["createdAt"] = _common(raw, None)["createdAt"]
    fields["customFields"] = read_custom_fields(raw, mapping) if mapping else {}
    fields["remoteData"] = {k: v for k, v in raw.items() if k != JOINED} if include_raw else None
    return fields


def to_unified(
    spec: ModelSpec,
    raw: Raw,
    mapping: list[FieldMapEntry] | None = None,
    *,
    include_raw: bool = False,
    deleted_at: str | None = None,
) -> UnifiedModel:
    return spec.cls(**_fields(spec, raw, mapping, include_raw, deleted_at))


def to_unified_json(
    spec: ModelSpec,
    raw: Raw,
    mapping: list[FieldMapEntry] | None = None,
    *,
    include_raw: bool = False,
    deleted_at: str | None = None,
) -> dict[str, Any]:
    """``to_unified(...).model_dump(mode="json")``, built directly (the read path's per-record
    cost; see ``render``)."""
    return render(spec.cls, _fields(spec, raw, mapping, include_raw, deleted_at))


def to_custom_json(
    definition: CustomModelDef, raw: Raw, *, include_raw: bool = False, deleted_at: str | None = None
) -> dict[str, Any]:
    return to_custom(definition, raw, include_raw=include_raw, deleted_at=deleted_at).model_dump(mode="json")


def to_custom(
    definition: CustomModelDef, raw: Raw, *, include_raw: bool = False, deleted_at: str | None = None
) -> CustomRecord:
    return CustomRecord(
        **_common(raw, deleted_at),
        **read_custom(definition, raw),
        remoteData=raw if include_raw else None,
    )
