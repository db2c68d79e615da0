"""Field mapping and custom models: both directions, types checked against definitions."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ashby_connector import unified
from ashby_connector.unified.custom import CustomModelDef, pluck
from ashby_connector.unified.fieldmap import FieldMapEntry, apply_writes, check_value, plan_writes

DEFS = [
    {
        "id": "cf1",
        "title": "Level",
        "objectType": "Candidate",
        "fieldType": "ValueSelect",
        "selectableValues": [{"label": "Senior", "value": "Senior"}, {"label": "Junior", "value": "Junior"}],
    },
    {"id": "cf2", "title": "Years", "objectType": "Candidate", "fieldType": "Number"},
    {"id": "cf3", "title": "Years", "objectType": "Job", "fieldType": "String"},
]
MAP = [
    FieldMapEntry(unifiedField="level", ashbyFieldTitle="Level"),
    FieldMapEntry(unifiedField="years", ashbyFieldId="cf2"),
]


def test_read_maps_by_id_and_title() -> None:
    raw = {
        "id": "c",
        "customFields": [
            {"id": "cf1", "title": "Level", "value": "Senior"},
            {"id": "cf2", "title": "Years", "value": 7},
        ],
    }
    rec = unified.to_unified(unified.model("atsCandidate"), raw, MAP)
    assert rec.customFields == {"level": "Senior", "years": 7}


def test_write_plans_set_value_calls() -> None:
    plans = plan_writes({"level": "Junior", "years": 3}, MAP, DEFS, "Candidate")
    calls: list[tuple[str, dict[str, Any]]] = []
    apply_writes(lambda op, body: calls.append((op, body)), "Candidate", "c", plans)
    assert calls == [
        (
            "customField.setValue",
            {"objectType": "Candidate", "objectId": "c", "fieldId": "cf1", "fieldValue": "Junior"},
        ),
        (
            "customField.setValue",
            {"objectType": "Candidate", "objectId": "c", "fieldId": "cf2", "fieldValue": 3},
        ),
    ]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"level": "Principal"}, "customFields.level"),
        ({"years": "seven"}, "customFields.years"),
        ({"years": True}, "customFields.years"),
        ({"nope": 1}, "customFields.nope"),
    ],
)
def test_write_rejects_wrong_types_naming_the_field(values: dict[str, Any], field: str) -> None:
    with pytest.raises(unified.WriteInputError) as err:
        plan_writes(values, MAP, DEFS, "Candidate")
    assert err.value.field == field


def test_mapping_to_another_objects_field_is_refused() -> None:
    with pytest.raises(unified.WriteInputError):
        entries = [FieldMapEntry(unifiedField="years", ashbyFieldId="cf3")]
        plan_writes({"years": 3}, entries, DEFS, "Candidate")


@pytest.mark.parametrize(
    ("definition", "value", "ok"),
    [
        ({"fieldType": "Date"}, "2024-01-02", True),
        ({"fieldType": "Date"}, "yesterday", False),
        ({"fieldType": "Boolean"}, False, True),
        ({"fieldType": "Boolean"}, "no", False),
        ({"fieldType": "Currency"}, {"value": 1, "currencyCode": "EUR"}, True),
        ({"fieldType": "MultiValueSelect", "selectableValues": [{"value": "a"}]}, ["a"], True),
        ({"fieldType": "MultiValueSelect", "selectableValues": [{"value": "a"}]}, ["b"], False),
        ({"fieldType": "NumberRange"}, {"minValue": 1, "maxValue": 2}, True),
        ({"fieldType": "String"}, None, True),
    ],
)
def test_check_value(definition: dict[str, Any], value: Any, ok: bool) -> None:
    assert (check_value(definition, value) is None) is ok


def test_mapping_entry_needs_a_target() -> None:
    with pytest.raises(ValidationError):
        FieldMapEntry(unifiedField="x")


def test_custom_model_definition_and_read() -> None:
    d = CustomModelDef(name="openings", operation="opening.list", fields={"state": "latestVersion.state"})
    rec = unified.to_custom(d, {"id": "o1", "latestVersion": {"state": "Open"}})
    assert rec.model_dump()["state"] == "Open" and rec.id == "o1"
    assert pluck({"a": [{"b": 1}]}, "a.0.b") == 1 and pluck({"a": 1}, "a.b.c") is None


@pytest.mark.parametrize("operation", ["candidate.create", "not.real", "assessment.list"])
def test_custom_model_needs_an_ashby_list_operation(operation: str) -> None:
    with pytest.raises((ValidationError, KeyError)):
        CustomModelDef(name="x", operation=operation, fields={"a": "b"})
