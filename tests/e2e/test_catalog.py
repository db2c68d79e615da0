from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ashby_connector import catalog

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT.parent / "shared" / "ashby"


@pytest.mark.skipif(not (SPEC / "openapi.yml").exists(), reason="Ashby's spec is not beside the repository")
def test_committed_catalog_matches_the_spec() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "derive_catalog.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_every_spec_operation_and_index_extra_is_present() -> None:
    names = {op.name for op in catalog.operations()}
    assert len([op for op in catalog.operations() if op.in_spec]) == 164
    for extra in ("application.delete", "offer.setStatus", "auditLog.list"):
        assert extra in names


def test_the_26_sync_token_lists_match_ashbys_documentation() -> None:
    synced = {op.name for op in catalog.operations() if op.pagination == "cursor+syncToken"}
    assert len(synced) == 26
    assert {"candidate.list", "candidate.listNotes", "interviewEvent.list", "offer.list"} <= synced
    cursor_only = {op.name for op in catalog.operations() if op.pagination == "cursor"}
    assert {"application.listHistory", "brand.list", "candidate.listFraudChecks"} <= cursor_only


def test_partner_side_assessment_operations_are_marked() -> None:
    partner = {op.name for op in catalog.operations() if op.partner_side}
    assert partner == {
        "assessment.start",
        "assessment.list",
        "assessment.cancel",
        "assessment.customField.list",
    }


def test_deprecated_aliases_point_at_their_operation() -> None:
    alias = catalog.operation("application.change_stage")
    assert alias.deprecated and alias.alias_of == "application.changeStage"
    assert catalog.operation("application.change_source").alias_of == "application.changeSource"


def test_reads_and_writes_and_permissions() -> None:
    assert catalog.operation("candidate.search").kind == "read"
    assert catalog.operation("candidate.create").kind == "write"
    assert catalog.operation("application.delete").permission == "candidatesDelete"
    assert all(op.permission for op in catalog.operations() if not op.partner_side)


def _schema_keys(node: object, inside_properties: bool = False) -> set[str]:
    keys: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if not inside_properties:
                keys.add(key)
            keys |= _schema_keys(value, inside_properties=(key == "properties" and not inside_properties))
    elif isinstance(node, list):
        for item in node:
            keys |= _schema_keys(item)
    return keys


def test_schemas_are_resolved_and_free_of_prose() -> None:
    keys: set[str] = set()
    for op in catalog.operations():
        for schema in (op.request_schema, op.response_schema, op.multipart_schema):
            keys |= _schema_keys(schema)
    assert "$ref" not in keys
    assert not keys & {"description", "summary", "example", "examples", "title"}


def test_multipart_operations_name_their_file_field() -> None:
    assert catalog.operation("candidate.uploadResume").multipart_file_fields == ("resume",)
    assert catalog.operation("candidate.uploadFile").multipart_file_fields == ("file",)


def test_webhook_types() -> None:
    names = {w.name for w in catalog.webhooks()}
    assert {"candidateHire", "candidateMerge", "ping", "jobPostingDelete"} <= names
    assert catalog.webhook("candidateStageChange").subscribable
    assert not catalog.webhook("ping").subscribable


def test_unknown_operation_suggests_close_names() -> None:
    with pytest.raises(catalog.UnknownOperationError, match=r"did you mean candidate\.list"):
        catalog.operation("candidate.lst")


def test_importing_the_catalog_stays_light() -> None:
    """The emulator depends on the catalog only: importing it must not pull in the client stack."""
    code = (
        "import sys, ashby_connector.catalog, ashby_connector.errors\n"
        "heavy = {'httpx', 'pydantic'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
