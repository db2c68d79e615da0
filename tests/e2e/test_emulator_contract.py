"""Contract: every operation's answers validate against the catalog's response schema, and every
request example in Ashby's spec is accepted (no ``invalid_input``, no 5xx)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from ashby_connector import catalog
from ashby_connector.emulator import EmulatorHandle
from tests.e2e.generated_requests import EXPECTED_REFUSALS, request_for
from tests.spec_schema import overlapping_one_of_as_any_of

SPEC = Path(__file__).resolve().parents[3] / "shared" / "ashby" / "openapi.yml"
OPS = [op for op in catalog.operations() if not op.multipart]


def branches(op: catalog.Operation) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(success schema, error schema) of an operation's ``oneOf`` response."""
    schema = op.response_schema or {}
    options = schema.get("oneOf")
    if not options:
        return schema or None, None
    ok = [b for b in options if "errorInfo" not in str(b)]
    err = [b for b in options if "errorInfo" in str(b)]
    return (ok[0] if ok else None), (err[0] if err else None)


@functools.cache
def validators(name: str) -> tuple[jsonschema.Validator | None, jsonschema.Validator | None]:
    ok, err = branches(catalog.operation(name))
    return (
        jsonschema.Draft202012Validator(overlapping_one_of_as_any_of(ok)) if ok is not None else None,
        jsonschema.Draft202012Validator(err) if err is not None else None,
    )


def check(op: catalog.Operation, body: dict[str, Any]) -> None:
    ok, err = validators(op.name)
    if body.get("success") is True:
        if ok is not None:
            ok.validate(body)
    else:
        assert body["success"] is False
        assert body["errorInfo"]["code"]
        if err is not None:
            err.validate(body)


def post(emu: EmulatorHandle, name: str, body: Any) -> httpx.Response:
    return httpx.post(f"{emu.base_url}/{name}", json=body, auth=(emu.api_key, ""), timeout=30)


# Operations whose success answer validated against their schema; it only goes up.
SUCCESS_SCHEMA_FLOOR = 146


def validated_success_operations() -> list[str]:
    return [o.name for o in OPS if o.name not in EXPECTED_REFUSALS and branches(o)[0] is not None]


@pytest.mark.parametrize("op", OPS, ids=lambda o: o.name)
def test_every_operation_answers_schema_valid(request: pytest.FixtureRequest, op: catalog.Operation) -> None:
    # Reads share the session organisation; writes get their own so they cannot disturb others.
    emu: EmulatorHandle = request.getfixturevalue("emulator" if op.is_read else "fresh_emulator")
    resp = post(emu, op.name, request_for(emu, op))
    if op.partner_side:
        # Implemented by assessment partners and called by Ashby: Ashby itself does not serve them.
        assert resp.status_code in (200, 404), resp.text
    else:
        assert resp.status_code == 200, resp.text
    body = resp.json()
    check(op, body)
    expected = EXPECTED_REFUSALS.get(op.name)
    if expected:
        assert body["success"] is False and body["errorInfo"]["code"] == expected, body
    else:
        assert body["success"] is True, body


def test_the_number_of_success_schemas_checked_only_goes_up() -> None:
    assert len(validated_success_operations()) >= SUCCESS_SCHEMA_FLOOR
    assert set(EXPECTED_REFUSALS) <= {o.name for o in catalog.operations()}, "a refusal names no operation"


def nameable_missing_fields(op: catalog.Operation) -> set[str]:
    """Fields an empty body may be refused for: those every request needs, and, where the request
    is a ``oneOf`` of shapes (``hiringTeam.addMember`` takes an application, a job or an opening),
    the ones a shape needs."""
    fields = set(op.required_fields)
    for branch in (op.request_schema or {}).get("oneOf", []):
        fields.update(branch.get("required", ()))
    return fields


@pytest.mark.parametrize("op", [o for o in OPS if o.required_fields], ids=lambda o: o.name)
def test_bad_bodies_get_invalid_input_naming_the_field(
    emulator: EmulatorHandle, op: catalog.Operation
) -> None:
    resp = post(emulator, op.name, {})
    assert resp.status_code == 200
    body = resp.json()
    assert body["success"] is False
    assert body["errorInfo"]["code"] == "invalid_input"
    assert body["errorInfo"]["meta"]["field"] in nameable_missing_fields(op)
    check(op, body)


def test_wrong_types_are_invalid_input_not_500(emulator: EmulatorHandle) -> None:
    body = post(emulator, "candidate.list", {"limit": "many"}).json()
    assert body["errorInfo"]["code"] == "invalid_input"
    assert body["errorInfo"]["meta"]["field"] == "limit"
    resp = httpx.post(
        f"{emulator.base_url}/candidate.list", content=b"{not json", auth=(emulator.api_key, "")
    )
    assert resp.status_code == 200
    assert resp.json()["errorInfo"]["code"] == "invalid_input"


def _resolve(doc: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def spec_examples() -> list[tuple[str, Any]]:
    if not SPEC.exists():
        return []
    import yaml

    doc = yaml.safe_load(SPEC.read_text())
    out: list[tuple[str, Any]] = []
    for path, item in doc.get("paths", {}).items():
        for op in item.values():
            if not isinstance(op, dict):
                continue
            content = _resolve(doc, op.get("requestBody", {})).get("content", {})
            media = content.get("application/json")
            if not media:
                continue
            if "example" in media:
                out.append((path.lstrip("/"), media["example"]))
            for ex in (media.get("examples") or {}).values():
                ex = _resolve(doc, ex)
                if isinstance(ex, dict) and "value" in ex:
                    out.append((path.lstrip("/"), ex["value"]))
            schema = _resolve(doc, media.get("schema", {}))
            if isinstance(schema, dict) and "example" in schema:
                out.append((path.lstrip("/"), schema["example"]))
    return out


EXAMPLES = spec_examples()


@pytest.mark.skipif(not EXAMPLES, reason="Ashby's spec is not next to the project")
@pytest.mark.parametrize(("name", "example"), EXAMPLES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(EXAMPLES)])
def test_spec_examples_are_accepted(emulator: EmulatorHandle, name: str, example: Any) -> None:
    resp = post(emulator, name, example)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    if not body["success"]:
        assert body["errorInfo"]["code"] != "invalid_input", body
    check(catalog.operation(name), body)


def test_auth_and_limit_errors_use_the_error_schema(fresh_emulator: EmulatorHandle) -> None:
    op = catalog.operation("candidate.list")
    url = f"{fresh_emulator.base_url}/candidate.list"
    jobs_only = fresh_emulator.control.add_key(permissions=["jobsRead"])
    for resp, status in (
        (httpx.post(url, json={}), 401),
        (httpx.post(url, json={}, auth=("unknown", "")), 403),
        (httpx.post(url, json={}, auth=(jobs_only, "")), 403),
    ):
        assert resp.status_code == status
        check(op, resp.json())
    fresh_emulator.control.set_faults("candidate.list=429:1")
    limited = post(fresh_emulator, "candidate.list", {})
    assert limited.status_code == 429
    check(op, limited.json())
