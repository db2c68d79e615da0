"""Every route of the OpenAPI document, and the two outside it (the Connect form post and any
unknown path), answers its errors in one envelope: ``{"error": {"code", "message", "field"}}``
with a stable snake_case code and a message that is prose, never a Python object."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx

from tests.integration.server_fakes import Harness, harness

CODE = re.compile(r"^[a-z][a-z0-9_]*$")
# Keys some errors add beside the three: Ashby's own code and the permission it lacks, the outbound
# URL rule that refused, and the operation and request a connection did not ask for.
EXTRA = {"ashbyCode", "permission", "rule", "operation", "request"}


def _check(response: httpx.Response, where: str) -> None:
    assert response.status_code >= 400, where
    assert response.status_code != 500, (where, response.text)
    body: Any = response.json()
    assert set(body) == {"error"}, (where, body)
    error = body["error"]
    assert {"code", "message", "field"} <= set(error) <= {"code", "message", "field"} | EXTRA, (where, error)
    assert CODE.match(error["code"]), (where, error)
    assert isinstance(error["message"], str) and error["message"], (where, error)
    assert "{'" not in error["message"] and "': " not in error["message"], (where, error)
    assert error["field"] is None or isinstance(error["field"], str), (where, error)


def _requests(
    h: Harness, auth: dict[str, str], real: dict[str, str], path: str, method: str, doc: dict[str, Any]
) -> list[tuple[str, httpx.Response]]:
    body = doc["paths"][path][method].get("requestBody", {}).get("content", {}).get("application/json", {})
    nonsense = _nonsense(doc, body.get("schema")) if body else None
    url = re.sub(r"\{[^}]+\}", "nope", path)
    # The same route with a real connection wherever one is named, so the request passes lookup
    # and reaches the use case's own checks of what was sent.
    real_url = re.sub(r"\{[^}]+\}", "nope", path.replace("{connection_id}", real["X-Connection-Id"]))
    send = lambda url, headers, **kw: h.http.request(method.upper(), url, headers=headers, **kw)  # noqa: E731
    conn = {**auth, "X-Connection-Id": "nope"}
    return [
        ("no key", send(url, {})),
        ("unknown ids, wrong body", send(url, conn, json={"unexpected": {"nested": [1]}})),
        ("malformed JSON", send(url, {**conn, "content-type": "application/json"}, content=b"{not json")),
        ("real connection, wrong body", send(real_url, real, json={"unexpected": {"nested": [1]}})),
        ("real connection, wrong types", send(real_url, real, json=_WRONG_TYPES, params=_BAD_QUERY)),
        ("real connection, well-formed nonsense", send(real_url, real, json=nonsense, params=_BAD_QUERY)),
    ]


def _nonsense(doc: dict[str, Any], schema: Any, depth: int = 0) -> Any:
    """A value of the schema's shape whose content means nothing (unknown names and ids), so the
    request passes validation and is refused by the use case itself."""
    while isinstance(schema, dict) and "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if not isinstance(schema, dict) or depth > 4:
        return "nope"
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return _nonsense(doc, options[0], depth + 1)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {k: _nonsense(doc, v, depth + 1) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return [_nonsense(doc, schema.get("items", {}), depth + 1)]
    if kind in ("integer", "number"):
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return True
    return "nope"


# Names the routes' bodies and queries use, each given a value of the wrong kind.
_FIELDS = ("ownerId", "apiKey", "operations", "url", "models", "entries", "streams", "mode", "limit")
_WRONG_TYPES = {k: [] for k in _FIELDS}
_BAD_QUERY = {"limit": "-1", "cursor": "not-a-cursor", "fields": "noSuchField", "status": "NOPE"}


def test_every_route_answers_errors_in_the_envelope(tmp_path: Path) -> None:
    with harness(tmp_path) as h:
        auth = h.tenant()
        real = h.connection(auth)
        doc = h.http.get("/openapi.json").json()
        paths = doc["paths"]
        assert "/webhooks/ashby/{connection_id}" in paths and "/subscriptions" in paths
        checked = 0
        seen: set[str] = set()
        for path, operations in paths.items():
            for method in operations:
                answers = _requests(h, auth, real, path, method, doc)
                errors = [(why, r) for why, r in answers if r.status_code >= 400]
                seen |= {r.json()["error"]["code"] for _, r in errors}
                assert errors, f"{method.upper()} {path} refused nothing"
                for why, response in errors:
                    _check(response, f"{method.upper()} {path} ({why}): {response.status_code}")
                checked += 1
        assert checked >= 25  # every operation of the document
        # Past authentication and lookup: the use cases' own refusals answered in the envelope too.
        reached = {"invalid_request", "malformed_json", "connection_not_found", "unknown_operation"}
        assert reached <= seen, sorted(seen)
        assert len(seen) >= 8, sorted(seen)
        # Outside the document: the Connect form post (asked for JSON) and unknown paths.
        _check(
            h.http.post("/connect/nope", data={"apiKey": "x"}, headers={"accept": "application/json"}),
            "connect",
        )
        _check(h.http.get("/no/such/route"), "unknown path")
        _check(h.http.delete("/subscriptions"), "wrong method")


def test_a_request_the_connection_did_not_ask_for_names_the_operation(tmp_path: Path) -> None:
    with harness(tmp_path) as h:
        auth = h.tenant()
        conn = h.connection(auth)
        limited = h.http.patch(
            f"/connections/{conn['X-Connection-Id']}",
            json={"operations": ["genericContact::list"]},
            headers=auth,
        )
        assert limited.status_code == 200, limited.text
        refused = h.http.get("/resources/atsJob", headers=conn)
        assert refused.status_code == 403
        _check(refused, "not requested")
        error = refused.json()["error"]
        assert error["code"] == "operation_not_requested"
        assert error["operation"] and error["request"]


def test_subscription_errors_name_the_field_in_prose(tmp_path: Path) -> None:
    with harness(tmp_path) as h:
        auth = h.tenant()
        bad = h.http.post("/subscriptions", json={"url": "ftp://x", "models": []}, headers=auth)
        assert bad.status_code == 422
        assert bad.json() == {
            "error": {
                "code": "outbound_url_refused",
                "message": "url: the URL must use https (or http, allowed on this server), not 'ftp'",
                "field": "url",
                "rule": "scheme",
            }
        }
        models = h.http.post(
            "/subscriptions", json={"url": "http://127.0.0.1:1/x", "models": ["nope"]}, headers=auth
        )
        assert models.json()["error"]["field"] == "models"


def test_a_json_body_without_its_content_type_names_the_header(tmp_path: Path) -> None:
    with harness(tmp_path) as h:
        conn = h.connection(h.tenant())
        cid = conn["X-Connection-Id"]
        # What `curl -d '{...}'` sends: a form content type.
        form = {**conn, "content-type": "application/x-www-form-urlencoded"}
        answer = h.http.put(f"/connections/{cid}/schedule", headers=form, content=b'{"paused": true}')
        assert answer.status_code == 415
        error = answer.json()["error"]
        assert error["field"] == "Content-Type" and "Content-Type: application/json" in error["message"]
        sent = h.http.put(f"/connections/{cid}/schedule", headers=conn, json={"paused": True})
        assert sent.status_code == 200 and sent.json()["paused"] is True
