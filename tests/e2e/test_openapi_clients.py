"""The OpenAPI document works for the people who read it and the tools that consume it: real answers
match the documented models, errors are documented in the envelope the server sends, Swagger UI's
"Authorize" lets "Try it out" call a route, ReDoc asks nothing of another host, and a client generated
from /openapi.json with openapi-python-client lists connections."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from jsonschema import Draft202012Validator

from ashby_connector.emulator import EmulatorHandle
from tests.e2e.chromium import launched
from tests.e2e.server_harness import Server, run_server


@pytest.fixture(scope="module")
def server(emulator: EmulatorHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("openapi") / "server.db"
    with run_server(emulator.base_url, f"sqlite:///{db}") as srv:
        yield srv


@pytest.fixture(scope="module")
def document(server: Server) -> dict[str, Any]:
    doc: dict[str, Any] = httpx.get(f"{server.url}/openapi.json").json()
    return doc


def _conforms(document: dict[str, Any], path: str, method: str, answer: httpx.Response) -> None:
    responses = document["paths"][path][method]["responses"]
    documented = responses.get(str(answer.status_code))
    assert documented is not None, f"{method.upper()} {path}: {answer.status_code} is not documented"
    schema = documented["content"]["application/json"]["schema"]
    assert schema.get("$ref"), f"{method.upper()} {path} {answer.status_code}: no model ({schema})"
    validator = Draft202012Validator({**schema, "components": document["components"]})
    found = validator.iter_errors(answer.json())
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found]
    assert not problems, f"{method.upper()} {path} {answer.status_code}: {problems[:3]}"


def test_every_route_documents_a_model_and_the_error_envelope(document: dict[str, Any]) -> None:
    operation_ids: list[str] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            operation_ids.append(operation["operationId"])
            responses = operation["responses"]
            ok = [s for s in responses if s.startswith("2") and s != "204"]
            for status in ok:
                schema = responses[status].get("content", {}).get("application/json", {}).get("schema", {})
                assert "$ref" in schema, f"{method.upper()} {path} {status} has no response model"
            errors = [s for s in responses if s[0] in "45"]
            assert "422" in errors and "500" in errors, f"{method.upper()} {path}: {sorted(responses)}"
            for status in errors:
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, method, status)
            if path not in ("/webhooks/ashby/{connection_id}",):
                assert operation.get("security") == [{"platformKey": []}], f"{method.upper()} {path}"
                assert "401" in errors
    assert len(operation_ids) == len(set(operation_ids)), "operationIds repeat"
    assert document["components"]["securitySchemes"]["platformKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["platformKey"]["description"],
    }
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_real_answers_match_the_documented_models(
    server: Server, emulator: EmulatorHandle, document: dict[str, Any]
) -> None:
    http = server.tenant("documented")
    body = {"ownerId": "o", "apiKey": emulator.api_key, "operations": ["atsCandidate::list"]}
    made = http.post("/connections", json=body)
    _conforms(document, "/connections", "post", made)
    cid = made.json()["id"]
    conn = {"X-Connection-Id": cid}
    started = http.post("/syncs", headers=conn, json={"streams": ["candidate"]})
    assert started.status_code == 202, started.text
    _conforms(document, "/syncs", "post", started)
    sync_id = started.json()["id"]
    for _ in range(600):
        run = http.get(f"/syncs/{sync_id}")
        if run.json()["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    one = "/connections/{connection_id}"
    checks: list[tuple[str, str, httpx.Response]] = [
        ("/syncs/{sync_id}", "get", http.get(f"/syncs/{sync_id}")),
        ("/syncs", "get", http.get("/syncs")),
        ("/connections", "get", http.get("/connections")),
        ("/connections/{connection_id}", "get", http.get(f"/connections/{cid}")),
        ("/connections/{connection_id}/schedule", "get", http.get(f"/connections/{cid}/schedule")),
        ("/connections/{connection_id}/sync-status", "get", http.get(f"/connections/{cid}/sync-status")),
        (f"{one}/child-policies", "get", http.get(f"/connections/{cid}/child-policies")),
        ("/connections/{connection_id}/custom-models", "get", http.get(f"/connections/{cid}/custom-models")),
        ("/connections/{connection_id}/webhooks", "get", http.get(f"/connections/{cid}/webhooks")),
        ("/resources/{model}", "get", http.get("/resources/atsCandidate?limit=2", headers=conn)),
        ("/resources/{model}", "get", http.get("/resources/atsJob", headers=conn)),  # 403 envelope
        ("/branding", "get", http.get("/branding")),
        ("/connect-links", "post", http.post("/connect-links", json={"ownerId": "z"})),
        ("/subscriptions", "post", http.post("/subscriptions", json={"url": "http://127.0.0.1:9/x"})),
        ("/subscriptions", "get", http.get("/subscriptions")),
        ("/assessments", "get", http.get("/assessments")),
        ("/proxy/{operation}", "post", http.post("/proxy/apiKey.info", headers=conn, json={})),
        (one, "patch", http.patch(f"/connections/{cid}", json={"operations": None})),
        (one, "patch", http.patch(f"/connections/{cid}", json={"operations": ["x"]})),
        ("/connections/{connection_id}", "get", http.get("/connections/nope")),
        ("/connections", "get", httpx.get(f"{server.url}/connections")),
    ]
    report = checks[0][2].json()["report"]
    assert report and all("_" not in key for key in report), sorted(report)  # camelCase throughout
    statuses = [answer.status_code for _, _, answer in checks]
    assert {200, 201, 401, 403, 404, 422} <= set(statuses), statuses
    for path, method, answer in checks:
        _conforms(document, path, method, answer)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched() as chromium:
        yield chromium


def _open(browser: Any, url: str) -> tuple[Any, Any, list[str]]:
    """A new page at ``url``, and every URL it requests."""
    context = browser.new_context()
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url)
    return context, page, requests


def _elsewhere(server: Server, requests: list[str]) -> list[str]:
    here = urlparse(server.url).netloc
    return [u for u in requests if urlparse(u).scheme in ("http", "https") and urlparse(u).netloc != here]


def test_swagger_authorize_then_try_it_out_lists_connections(server: Server, browser: Any) -> None:
    _, key = server.core.tenancy.create_platform_key("swagger")
    context, page, requests = _open(browser, f"{server.url}/docs")
    page.click("button.authorize")
    page.fill(".modal-ux input[type=text], .modal-ux input[type=password]", key)
    page.click(".modal-ux button.authorize")
    page.click(".modal-ux button.btn-done")
    page.click("#operations-connections-list_connections .opblock-summary")
    page.click("#operations-connections-list_connections button.try-out__btn")
    with page.expect_response(lambda r: urlparse(r.url).path == "/connections") as answered:
        page.click("#operations-connections-list_connections button.execute")
    assert answered.value.status == 200
    assert answered.value.request.headers["authorization"] == f"Bearer {key}"
    cell = "#operations-connections-list_connections .live-responses-table tbody .response-col_status"
    page.wait_for_selector(cell)
    shown = page.inner_text(cell)
    assert shown.strip().startswith("200"), shown
    assert _elsewhere(server, requests) == []
    context.close()


def test_redoc_asks_nothing_of_another_host(server: Server, browser: Any) -> None:
    context, page, requests = _open(browser, f"{server.url}/redoc")
    page.wait_for_selector("h2:has-text('List your connections')")
    page.wait_for_load_state("networkidle")
    assert _elsewhere(server, requests) == []
    assert any(urlparse(u).path == "/openapi.json" for u in requests)
    context.close()


@pytest.mark.skipif(
    importlib.util.find_spec("openapi_python_client") is None,
    reason="openapi-python-client is not installed (it is in the dev extras)",
)
def test_a_generated_client_compiles_and_lists_connections(
    server: Server, emulator: EmulatorHandle, document: dict[str, Any], tmp_path: Path
) -> None:
    http = server.tenant("generated")
    cid = http.post("/connections", json={"ownerId": "gen-owner", "apiKey": emulator.api_key}).json()["id"]
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(document))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    generator = Path(sys.executable).parent / "openapi-python-client"
    made = subprocess.run(
        [str(generator), "generate", "--path", str(spec), "--meta", "none", "--output-path", "ashby_api"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0 and "Warning" not in made.stdout + made.stderr, made.stdout + made.stderr
    compiled = subprocess.run([sys.executable, "-m", "compileall", "-q", "ashby_api"], cwd=tmp_path)
    assert compiled.returncode == 0
    key = http.headers["Authorization"].removeprefix("Bearer ")
    script = f"""
from ashby_api import AuthenticatedClient
from ashby_api.api.connections import list_connections
client = AuthenticatedClient(base_url={server.url!r}, token={key!r})
answer = list_connections.sync(client=client)
print(type(answer).__name__, [(c.id, c.owner_id) for c in answer.data])
"""
    listed = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == f"ConnectionList [({cid!r}, 'gen-owner')]"
