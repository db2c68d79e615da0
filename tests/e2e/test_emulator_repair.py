"""Result repair keeps valid values (any oneOf/anyOf branch, nulls allowed through branches) and
request validation names the field of the branch the body was meant for."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from ashby_connector import catalog
from ashby_connector.emulator.records.schema import Filler, SchemaError, results_schema, validate
from tests.e2e._emulator_extras import Api, emulator_api

ROLE_OBJECTS = {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}}}}
ROLE_NAMES = {"type": "array", "items": {"type": "string"}}


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with emulator_api(seed=31) as a:
        yield a


def _filler() -> Filler:
    return Filler(random.Random(0))


@pytest.mark.parametrize("key", ["oneOf", "anyOf"])
def test_conform_accepts_a_value_matching_any_branch(key: str) -> None:
    schema = {key: [ROLE_NAMES, ROLE_OBJECTS]}
    value = [{"id": "r1", "title": "Recruiter"}]
    assert _filler().conform(schema, [dict(v) for v in value]) == value
    assert _filler().conform(schema, ["Recruiter"]) == ["Recruiter"]


def test_conform_bends_a_broken_value_towards_its_closest_branch() -> None:
    schema = {
        "oneOf": [
            ROLE_NAMES,
            {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "title"],
                    "properties": {"id": {"type": "string"}, "title": {"type": "string"}},
                },
            },
        ]
    }
    fixed = _filler().conform(schema, [{"id": "r1"}])
    assert fixed[0]["id"] == "r1" and isinstance(fixed[0]["title"], str)


@pytest.mark.parametrize(
    "sub",
    [
        {"anyOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"type": "null"}]},
        {"oneOf": [{"type": "string"}, {"type": "null"}]},
        {"type": ["string", "null"]},
        {"type": "string", "nullable": True},
        {"allOf": [{}, {"type": ["string", "null"]}]},
        {"type": ["string", "null"], "enum": ["a", "b", None]},
    ],
)
def test_conform_keeps_nulls_the_schema_allows(sub: dict[str, Any]) -> None:
    schema = {"type": "object", "required": ["x"], "properties": {"x": sub}}
    assert _filler().conform(schema, {"x": None}) == {"x": None}


@pytest.mark.parametrize(
    "sub",
    [
        {"type": "string"},
        {"anyOf": [{"type": "string"}, {"type": "number"}]},
        {"allOf": [{}, {"type": "string", "format": "uuid"}]},
        {"type": "string", "enum": ["a", "b"]},
    ],
)
def test_conform_still_replaces_forbidden_nulls(sub: dict[str, Any]) -> None:
    schema = {"type": "object", "required": ["x"], "properties": {"x": sub}}
    assert _filler().conform(schema, {"x": None})["x"] is not None
    optional = {"type": "object", "properties": {"x": sub}}
    validate(optional, _filler().conform(optional, {"x": None}))


def test_results_schema_keeps_every_response_branch() -> None:
    schema = results_schema(catalog.operation("hiringTeamRole.list"))
    assert schema is not None
    validate(schema, ["Recruiter"])
    validate(schema, [{"id": "9b3c4f7e-0000-4000-8000-000000000000", "title": "Recruiter"}])


def test_validate_reports_the_closest_branch() -> None:
    schema = catalog.operation("hiringTeam.addMember").request_schema
    body = {
        "jobId": "9b3c4f7e-0000-4000-8000-000000000000",
        "teamMemberId": "9b3c4f7e-0000-4000-8000-000000000001",
    }
    with pytest.raises(SchemaError) as info:
        validate(schema, body)
    assert info.value.field == "roleId"
    with pytest.raises(SchemaError) as info:
        validate(schema, {**body, "roleId": "not-a-uuid"})
    assert info.value.field == "roleId"


def test_hiring_team_role_list_objects_are_not_replaced(api: Api) -> None:
    roles = api.ok("hiringTeamRole.list", {"namesOnly": False})
    assert roles and all(isinstance(r, dict) and r["id"] and r["title"] for r in roles)
    names = api.ok("hiringTeamRole.list", {})
    assert names == [r["title"] for r in roles]
    assert "emulated-value" not in names


def test_integration_guide_hiring_team_scenario(api: Api) -> None:
    user = api.ok("user.list", {})[0]
    found = api.ok("user.search", {"email": user["email"]})
    member_id = (found[0] if isinstance(found, list) else found)["id"]
    job = api.ok("job.list", {})[0]
    role = api.ok("hiringTeamRole.list", {"namesOnly": False})[0]
    body = {"jobId": job["id"], "teamMemberId": member_id, "roleId": role["id"]}
    added = api.ok("hiringTeam.addMember", body)
    assert added["userId"] == member_id and added["role"] == role["title"]
    team = api.ok("job.info", {"id": job["id"]})["hiringTeam"]
    assert any(m["userId"] == member_id and m["role"] == role["title"] for m in team)


def test_hiring_team_errors_name_the_real_field(api: Api) -> None:
    user = api.ok("user.list", {})[0]
    job = api.ok("job.list", {})[0]
    unknown = "9b3c4f7e-0000-4000-8000-00000000abcd"
    base = {"jobId": job["id"], "teamMemberId": user["id"]}

    def info(body: dict[str, Any]) -> dict[str, Any]:
        data = api.call("hiringTeam.addMember", body)
        assert data["success"] is False, data
        err: dict[str, Any] = data["errorInfo"]
        return err

    err = info({**base, "roleId": unknown})
    assert err["code"].endswith("not_found") and err["meta"]["field"] == "roleId"
    err = info({**base, "roleId": "bad"})
    assert err["code"] == "invalid_input" and err["meta"]["field"] == "roleId"
    err = info(base)
    assert err["code"] == "invalid_input" and err["meta"]["field"] == "roleId"
    role = api.ok("hiringTeamRole.list", {"namesOnly": False})[0]["id"]
    err = info({"jobId": job["id"], "teamMemberId": unknown, "roleId": role})
    assert err["code"].endswith("not_found") and err["meta"]["field"] == "teamMemberId"
