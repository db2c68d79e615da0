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
EXTRA = {"ashbyCode", "permission"}


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


def _requests(h: Harness, auth: dict[str, str], path: str, method: str) -> list[tuple[str, httpx.Response]]:
    url = re.sub(r"\{[^}]+\}", "nope", path)
    send = lambda headers, **kw: h.http.request(method.upper(), url, headers=headers, **kw)  # noqa: E731
    conn = {**auth, "X-Connection-Id": "nope"}
    return [
        ("no key", send({})),
        ("unknown ids, wrong body", send(conn, json={"unexpected": {"nested": [1]}})),
        ("malformed JSON", send({**conn, "content-type": "application/json"}, content=b"{not json")),
    ]


def test_every_route_answers_errors_in_the_envelope(tmp_path: Path) -> None:
    with harness(tmp_path) as h:
        auth = h.tenant()
        paths = h.http.get("/openapi.json").json()["paths"]
        assert "/webhooks/ashby/{connection_id}" in paths and "/subscriptions" in paths
        checked = 0
        for path, operations in paths.items():
            for method in operations:
                errors = [(why, r) for why, r in _requests(h, auth, path, method) if r.status_code >= 400]
                assert errors, f"{method.upper()} {path} refused nothing"
                for why, response in errors:
                    _check(response, f"{method.upper()} {path} ({why}): {response.status_code}")
                checked += 1
        assert checked >= 25  # every operation of the document (29 today)
        # Outside the document: the Connect form post (asked for JSON) and unknown paths.
        _check(
            h.http.post("/connect/nope", data={"apiKey": "x"}, headers={"accept": "application/json"}),
            "connect",
        )
        _check(h.http.get("/no/such/route"), "unknown path")
        _check(h.http.delete("/subscriptions"), "wrong method")


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
