"""``ashby-connector operations`` and ``ashby-connector call``."""

from __future__ import annotations

import json

import respx
from typer.testing import CliRunner

from ashby_connector import catalog
from ashby_connector.cli import app

BASE = "http://ashby.test"
runner = CliRunner()


def test_operations_json_lists_every_client_operation() -> None:
    result = runner.invoke(app, ["operations", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.output)
    names = {r["name"] for r in rows}
    assert "candidate.list" in names and "assessment.start" not in names
    expected = {op.name for op in catalog.operations() if not op.partner_side}
    assert names == expected
    row = next(r for r in rows if r["name"] == "candidate.list")
    assert row["permission"] == "candidatesRead" and row["pagination"] == "cursor+syncToken"


def test_operations_table() -> None:
    result = runner.invoke(app, ["operations", "--module", "offer"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "offer.list" in result.output and "offersRead" in result.output


def test_call_prints_results_as_json() -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/candidate.info").respond(200, json={"success": True, "results": {"id": "c1"}})
        result = runner.invoke(
            app,
            ["call", "candidate.info", "--data", '{"id": "c1"}', "--base-url", BASE],
            env={"ASHBY_API_KEY": "k"},
        )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"id": "c1"}
    assert json.loads(route.calls.last.request.content) == {"id": "c1"}


def test_call_all_pages() -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.post("/source.list").respond(200, json={"success": True, "results": [{"id": "s"}]})
        result = runner.invoke(app, ["call", "source.list", "--all", "--api-key", "k", "--base-url", BASE])
    assert result.exit_code == 0 and json.loads(result.output) == [{"id": "s"}]


def test_call_errors_exit_non_zero_with_one_line() -> None:
    with respx.mock(base_url=BASE) as mock:
        body = {"success": False, "errorInfo": {"code": "application_not_found", "message": "Not found"}}
        mock.post("/application.info").respond(200, json=body)
        result = runner.invoke(app, ["call", "application.info", "--api-key", "k", "--base-url", BASE])
    assert result.exit_code == 1
    assert "NotFoundError" in result.output and len(result.output.strip().splitlines()) == 1


def test_call_bad_json_and_missing_key() -> None:
    result = runner.invoke(app, ["call", "candidate.info", "--data", "{nope", "--api-key", "k"])
    assert result.exit_code == 2 and "not valid JSON" in result.output
    result = runner.invoke(app, ["call", "candidate.info"], env={"ASHBY_API_KEY": ""})
    assert result.exit_code == 2 and "ASHBY_API_KEY" in result.output
