"""The read path's dicts are exactly the unified models' dumps, for every model, without building one.

``unified.to_unified_json`` (what the server answers) must equal
``unified.to_unified(...).model_dump(mode="json")`` (what the OpenAPI schema describes) for every
record of a generated organisation, with and without remote data and a field mapping, and give
pydantic's own answer or error for values the fast path does not reproduce.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from ashby_connector import unified
from ashby_connector.emulator import Emulator, EmulatorConfig
from ashby_connector.store import KIND_OPERATIONS
from ashby_connector.unified import render as render_module
from ashby_connector.unified.fieldmap import FieldMapEntry
from ashby_connector.unified.models import AtsJob, EmailAddress, UnifiedModel
from ashby_connector.unified.registry import ModelSpec

KIND_OF_OPERATION = {op: kind for kind, op in KIND_OPERATIONS.items()}


@pytest.fixture(scope="module")
def org() -> Emulator:
    return Emulator(EmulatorConfig(seed=11, candidates=60))


def _specs() -> list[ModelSpec]:
    specs = []
    for spec in unified.MODELS.values():
        if spec.read_unavailable is not None:
            continue
        specs += list(spec.parts()) if spec.more_sources else [spec]
    return specs


def _raws(org: Emulator, spec: ModelSpec) -> list[dict[str, Any]]:
    kind = org.state.kinds.get(KIND_OF_OPERATION[spec.source])
    records = [orjson.loads(v) for v in kind.data.values()] if kind is not None else []
    if spec.explode is not None:
        return [piece for raw in records for piece in spec.explode(raw)]
    return records


def test_every_model_renders_without_pydantic() -> None:
    """Each model class compiles (no validator, alias or type the fast path cannot reproduce)."""
    for spec in unified.MODELS.values():
        assert render_module._compile(spec.cls) is not None, spec.name


def test_render_equals_the_models_dump_for_every_stored_record(
    org: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Identical dicts (values, key order, defaults) for every record the organisation has."""
    fallbacks: list[type[Any]] = []
    real = UnifiedModel.__init__

    def counting(self: UnifiedModel, **data: Any) -> None:
        fallbacks.append(type(self))
        real(self, **data)

    titles = [orjson.loads(v)["title"] for v in org.state.kinds["customField"].data.values()]
    mapping = [FieldMapEntry(unifiedField="mapped", ashbyFieldTitle=title) for title in titles[:3]]
    compared = 0
    for spec in _specs():
        for raw in _raws(org, spec)[:40]:
            for include_raw in (False, True):
                expected = unified.to_unified(
                    spec, raw, mapping, include_raw=include_raw, deleted_at="2024-01-01T00:00:00Z"
                ).model_dump(mode="json")
                with monkeypatch.context() as patch:
                    patch.setattr(UnifiedModel, "__init__", counting)
                    got = unified.to_unified_json(
                        spec, raw, mapping, include_raw=include_raw, deleted_at="2024-01-01T00:00:00Z"
                    )
                assert orjson.dumps(got) == orjson.dumps(expected), spec.name
                compared += 1
    assert compared > 500, compared  # the organisation fed every model it has records of
    assert not fallbacks, f"records went through pydantic: {sorted({c.__name__ for c in fallbacks})}"


def test_values_pydantic_would_change_go_through_pydantic() -> None:
    """An int in a float field, an enum member in a str field, an unknown enum value, NaN:
    the answer (or the error) is pydantic's own."""
    spec = unified.model("atsJob")
    fields = {"id": "j1", "remoteId": "j1", "title": "Engineer"}
    assert render_module.render(AtsJob, fields) == AtsJob(**fields).model_dump(mode="json")
    nested = render_module.render(EmailAddress, {"value": "a@b.c", "isPrimary": 1})
    assert nested == {"value": "a@b.c", "type": None, "isPrimary": True}
    with pytest.raises(ValidationError, match="status"):
        render_module.render(AtsJob, {**fields, "status": "NOT_A_STATUS"})
    with pytest.raises(ValidationError, match="title"):
        render_module.render(AtsJob, {**fields, "title": 3})
    with pytest.raises(ValidationError, match="extra"):
        render_module.render(AtsJob, {**fields, "unknown": 1})
    with pytest.raises(ValidationError, match="remoteId"):
        render_module.render(AtsJob, {"id": "j1"})
    raw = {"id": "j1", "title": "Engineer", "status": "Open", "employmentType": "FullTime"}
    assert unified.to_unified_json(spec, raw) == unified.to_unified(spec, raw).model_dump(mode="json")
