"""Unified models: enums cover every Ashby value, mappers read catalog-shaped records, registry is sound."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ashby_connector import catalog, unified
from ashby_connector.unified import enums, fieldtable
from ashby_connector.unified.registry import NotSupported, Write
from ashby_connector.unified.sources import values_at

MORPH = [
    "genericContact",
    "genericUser",
    "genericWorkspace",
    "scheduleCalendar",
    "scheduleEventType",
    "scheduleEvent",
    "atsJob",
    "atsApplication",
    "atsApplicationStage",
    "atsOffer",
]
ATS = [
    "atsCandidate",
    "atsJobPosting",
    "atsInterview",
    "atsScorecard",
    "atsNote",
    "atsActivity",  # issue 24: stage moves (application.listHistory)
    "atsAttachment",
    "atsDepartment",
    "atsLocation",
    "atsRejectReason",
    "atsTag",
    "atsSource",
    "atsEeoc",  # issue 15: EEOC answers, sensitive, every read a clear 501
]


def _enum_values(schema: dict[str, Any] | None, path: tuple[str, ...]) -> set[str]:
    """Every enum value at ``path`` in a results schema (through arrays, allOf, oneOf)."""
    if not schema:
        return set()
    found: set[str] = set()
    subs = [schema, *schema.get("allOf", []), *schema.get("oneOf", []), *schema.get("anyOf", [])]
    for sub in subs:
        if sub.get("type") == "array" or "items" in sub:
            found |= _enum_values(sub.get("items"), path)
        if not path:
            found |= {v for v in sub.get("enum", []) if isinstance(v, str)}
        elif path[0] in sub.get("properties", {}):
            found |= _enum_values(sub["properties"][path[0]], path[1:])
    return found


@pytest.mark.parametrize("source", enums.ENUM_SOURCES, ids=lambda s: f"{s.operation}:{'.'.join(s.path)}")
def test_every_ashby_enum_value_has_a_unified_value(source: enums.EnumSource) -> None:
    values = _enum_values(catalog.operation(source.operation).results_schema, source.path)
    assert values, "the catalog no longer has this enum: update ENUM_SOURCES"
    assert values <= set(source.mapping), f"unmapped Ashby values: {values - set(source.mapping)}"


def test_registry_has_every_model_the_issue_names() -> None:
    assert sorted(m.name for m in unified.models()) == sorted(MORPH + ATS)


@pytest.mark.parametrize("spec", unified.models(), ids=lambda s: s.name)
def test_every_operation_a_model_uses_is_in_the_catalog(spec: unified.ModelSpec) -> None:
    assert catalog.operation(spec.source).is_list
    if spec.info:
        schema = catalog.operation(spec.info[0]).request_schema or {}
        variants = [schema, *schema.get("oneOf", [])]
        assert any(spec.info[1] in v.get("properties", {}) for v in variants)
    for action in ("create", "update", "delete"):
        write = spec.write(action)
        if isinstance(write, Write):
            for name in write.operations:
                assert catalog.operation(name).kind == "write"
        else:
            assert isinstance(write, NotSupported) and write.reason


def test_architecture_table_writes() -> None:
    # The design's model table (docs/unified.md): what each model can and cannot write.
    assert isinstance(unified.model("genericUser").create, NotSupported)
    assert isinstance(unified.model("atsApplicationStage").update, NotSupported)
    assert isinstance(unified.model("atsOffer").delete, NotSupported)
    contact_delete = unified.model("genericContact").delete
    assert isinstance(contact_delete, Write) and contact_delete.explicit == "anonymize"
    job_delete = unified.model("atsJob").delete
    assert isinstance(job_delete, Write) and job_delete.operations == ("job.setStatus",)


CANDIDATE = {
    "id": "c1",
    "name": "Ada Lovelace",
    "createdAt": "2024-01-01T00:00:00Z",
    "updatedAt": "2024-02-01T00:00:00Z",
    "primaryEmailAddress": {"value": "ada@example.com", "type": "Work", "isPrimary": True},
    "emailAddresses": [{"value": "ada@example.com", "type": "Work", "isPrimary": True}],
    "phoneNumbers": [{"value": "+1 555", "type": "Mobile", "isPrimary": False}],
    "applicationIds": ["a1"],
    "tags": [{"id": "t1", "title": "x"}],
    "source": {"id": "s1"},
    "fraudStatus": "Unsure",
    "location": {"id": "l", "locationSummary": "London"},
    "fileHandles": [{"id": "f1", "name": "cv.pdf", "handle": "h1"}],
    "resumeFileHandle": {"id": "f1", "name": "cv.pdf", "handle": "h1"},
    "customFields": [{"id": "cf1", "title": "Level", "value": "Senior"}],
}


def test_candidate_reads_into_contact_and_candidate() -> None:
    contact = unified.to_unified(unified.model("genericContact"), CANDIDATE)
    assert (contact.firstName, contact.lastName, contact.email) == ("Ada", "Lovelace", "ada@example.com")
    assert contact.id == contact.remoteId == "c1" and contact.remoteData is None
    cand = unified.to_unified(unified.model("atsCandidate"), CANDIDATE, include_raw=True)
    assert cand.model_dump()["fraudStatus"] == "UNSURE"
    assert cand.model_dump()["tagIds"] == ["t1"] and cand.remoteData == CANDIDATE


def test_attachments_explode_from_candidate_files() -> None:
    spec = unified.model("atsAttachment")
    assert spec.explode is not None
    files = spec.explode(CANDIDATE)
    att = unified.to_unified(spec, files[0])
    assert att.model_dump()["candidateId"] == "c1" and att.model_dump()["isResume"] is True


@pytest.mark.parametrize(
    ("model", "raw", "field", "value"),
    [
        (
            "atsJob",
            {"id": "j", "title": "Eng", "status": "Archived", "employmentType": "FullTime"},
            "status",
            "ARCHIVED",
        ),
        (
            "atsApplication",
            {"id": "a", "status": "Archived", "candidate": {"id": "c"}, "archiveReason": {"id": "r"}},
            "status",
            "REJECTED",
        ),
        ("atsOffer", {"id": "o", "acceptanceStatus": "WaitingOnResponse"}, "status", "SENT"),
        ("genericUser", {"id": "u", "globalRole": "Elevated Access", "isEnabled": True}, "role", "ELEVATED"),
        (
            "atsRejectReason",
            {"id": "r", "text": "No", "reasonType": "RejectedByOrg"},
            "type",
            "REJECTED_BY_ORGANIZATION",
        ),
        ("atsLocation", {"id": "l", "name": "HQ", "workplaceType": "Hybrid"}, "workplaceType", "HYBRID"),
        ("scheduleCalendar", {"id": "u", "firstName": "A", "lastName": "B"}, "ownerId", "u"),
        ("atsApplicationStage", {"id": "s", "title": "Screen", "orderInInterviewPlan": 2}, "order", 2),
        ("atsScorecard", {"id": "f", "submittedByUser": {"id": "u"}}, "interviewerId", "u"),
    ],
)
def test_read_mappers(model: str, raw: dict[str, Any], field: str, value: Any) -> None:
    assert unified.to_unified(unified.model(model), raw).model_dump()[field] == value


def test_unknown_enum_value_reads_as_none_rather_than_failing() -> None:
    job = unified.to_unified(unified.model("atsJob"), {"id": "j", "status": "Brand new"})
    assert job.model_dump()["status"] is None


@pytest.mark.parametrize("spec", [s for s in unified.models() if s.pushdown], ids=lambda s: s.name)
def test_store_filters_agree_with_the_read_mappers(spec: unified.ModelSpec) -> None:
    # A filter the store applies on the raw field must select exactly what the unified value says.
    for name, (raw_field, values) in spec.pushdown.items():
        samples = values.items() if values else [("x-1", "x-1")]
        for unified_value, raw_value in samples:
            record = unified.to_unified(spec, {"id": "r", raw_field: raw_value}).model_dump(mode="json")
            assert record[name] == unified_value


@pytest.mark.parametrize("spec", [s for s in unified.models() if s.pushdown_paths], ids=lambda s: s.name)
def test_nested_store_filters_name_every_place_the_value_comes_from(spec: unified.ModelSpec) -> None:
    # The server narrows with "any of these paths equals"; each path alone must give the value.
    for name, paths in spec.pushdown_paths.items():
        for path in paths:
            raw: dict[str, object] = {"id": "r"}
            *parents, leaf = path.split(".")
            node = raw
            for part in parents:
                node[part] = {}
                node = node[part]  # type: ignore[assignment]
            node[leaf] = "v-1"
            assert unified.to_unified(spec, raw).model_dump(mode="json")[name] == "v-1", path


def test_the_field_table_page_is_generated_from_the_registry() -> None:
    page = Path(__file__).parents[2] / "docs" / "unified_fields.md"
    assert page.read_text("utf-8") == fieldtable.render(), (
        "docs/unified_fields.md is stale: regenerate it with python -m ashby_connector.unified.fieldtable"
    )


def test_a_field_path_reads_nested_lists_and_role_filters() -> None:
    raw = {"hiringTeam": [{"role": "Recruiter", "userId": "u1"}, {"role": "Coordinator", "userId": "u2"}]}
    assert values_at(raw, "hiringTeam[role=Recruiter].userId") == ["u1"]
    assert values_at(raw, "hiringTeam[].userId") == ["u1", "u2"]
    assert values_at({"a": {"b": None}}, "a.b") == []
