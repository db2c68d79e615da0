"""Tenancy, keys, errors and the proxy's confinement to the configured Ashby."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from ashby_connector.core.runtime.master_key import load_master_key
from ashby_connector.core.settings import Settings
from ashby_connector.store.schema_tenancy import connection, platform_key
from ashby_connector.store.secrets import SecretBox, SecretBoxError, hash_platform_key
from tests.integration.server_fakes import BASE, GOOD_KEY, FakeAshby, harness


def test_master_key_file_is_created_owner_only_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASHBY_CONNECTOR_MASTER_KEY", raising=False)
    settings = Settings(master_key_file=str(tmp_path / "master.key"))
    key = load_master_key(settings)
    assert stat.S_IMODE(os.stat(tmp_path / "master.key").st_mode) == 0o600
    assert load_master_key(settings) == key
    os.chmod(tmp_path / "master.key", 0o644)
    with pytest.raises(SecretBoxError):
        load_master_key(settings)


def test_secret_box_round_trip_and_hidden_repr() -> None:
    from cryptography.fernet import Fernet

    box = SecretBox(Fernet.generate_key())
    token = box.encrypt("ashby-secret")
    assert "ashby-secret" not in token and box.decrypt(token) == "ashby-secret"
    assert "ashby" not in repr(box).lower().replace("secretbox", "")
    with pytest.raises(SecretBoxError):
        SecretBox(Fernet.generate_key()).decrypt(token)


def test_keys_are_stored_hashed_and_ashby_keys_encrypted(tmp_path: Path) -> None:
    with harness(tmp_path, FakeAshby(scopes=["candidatesRead"])) as h:
        _, key = h.core.tenancy.create_platform_key("acme")
        h.connection({"Authorization": f"Bearer {key}"})
        with h.core.store.engine.connect() as conn:
            hashes = [r.key_hash for r in conn.execute(sa.select(platform_key))]
            stored = [r.api_key_encrypted for r in conn.execute(sa.select(connection))]
        assert hashes == [hash_platform_key(key)] and key not in hashes
        assert stored and all(GOOD_KEY not in s for s in stored)


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "missing_key"),
        ({"Authorization": "Bearer nope"}, "invalid_key"),
        ({"Authorization": "Basic abc"}, "invalid_key"),
        ({"Authorization": "Bearer " + "x" * 5000}, "invalid_key"),
    ],
)
def test_requests_without_a_valid_key_get_401(tmp_path: Path, headers: dict[str, str], code: str) -> None:
    with harness(tmp_path) as h:
        for method, path in [
            ("GET", "/connections"),
            ("GET", "/resources/atsJob"),
            ("POST", "/proxy/job.list"),
        ]:
            answer = h.http.request(method, path, headers=headers)
            assert answer.status_code == 401
            assert answer.json()["error"]["code"] == code


def test_a_tenant_never_sees_another_tenants_connection_or_records(tmp_path: Path) -> None:
    ashby = FakeAshby(scopes=["jobsRead"], results={"job.info": {"id": "j1", "title": "Secret"}})
    with harness(tmp_path, ashby) as h:
        alice = h.connection(h.tenant("alice"))
        h.core.store.upsert_records(alice["X-Connection-Id"], "job", [{"id": "j1", "title": "Secret"}])
        bob = h.tenant("bob")
        stolen = {**bob, "X-Connection-Id": alice["X-Connection-Id"]}
        assert h.http.get("/resources/atsJob", headers=stolen).status_code == 404
        assert h.http.get("/resources/atsJob/j1", headers=stolen).status_code == 404
        assert h.http.post("/proxy/job.info", json={"id": "j1"}, headers=stolen).status_code == 404
        assert h.http.get(f"/connections/{alice['X-Connection-Id']}", headers=bob).status_code == 404
        assert h.http.delete(f"/connections/{alice['X-Connection-Id']}", headers=bob).status_code == 404
        assert h.http.get("/connections", headers=bob).json()["data"] == []
        # Bob's own connection does not see Alice's records either.
        bobs = h.connection(bob)
        assert h.http.get("/resources/atsJob", headers=bobs).json()["data"] == []
        assert h.http.get("/resources/atsJob", headers=alice).json()["data"][0]["title"] == "Secret"


@pytest.mark.parametrize(
    "operation",
    [
        "http://evil.test/job.list",
        "..%2F..%2Fetc%2Fpasswd",
        "job.list%2F..%2Fadmin",
        "%2e%2e",
        "job.list?x=1",
        "job.list#frag",
        "@evil.test",
        "job.list\\..\\x",
        "JOB.LIST",
        "job.list.",
        " job.list",
        "job%00.list",
    ],
)
def test_proxy_reaches_only_catalog_operations_on_the_configured_base(tmp_path: Path, operation: str) -> None:
    ashby = FakeAshby(scopes=[], results={"job.list": []})
    with harness(tmp_path, ashby) as h:
        headers = h.connection(h.tenant())
        answer = h.http.post(f"/proxy/{operation}", json={}, headers={**headers, "Host": "evil.test"})
        assert answer.status_code < 500
        for request in ashby.seen:
            # Whatever the input, only <base>/<catalog operation> is ever called, with no query.
            assert str(request.url) in (f"{BASE}/apiKey.info", f"{BASE}/job.list")
        if answer.status_code == 200:
            assert operation.startswith("job.list") and operation[8:9] in ("?", "#")


def test_proxy_ignores_host_headers_and_answers_ashbys_envelope_as_is(tmp_path: Path) -> None:
    ashby = FakeAshby(scopes=[], results={"job.list": [{"id": "j"}]})
    with harness(tmp_path, ashby) as h:
        headers = h.connection(h.tenant())
        answer = h.http.post(
            "/proxy/job.list",
            json={"limit": 1},
            headers={**headers, "Host": "evil.test", "X-Forwarded-Host": "evil.test"},
        )
        assert answer.status_code == 200
        assert answer.json() == {"success": True, "results": [{"id": "j"}]}
        last = ashby.seen[-1]
        assert str(last.url) == f"{BASE}/job.list" and last.headers["host"] == "ashby.test"
        unknown = h.http.post("/proxy/job.lst", json={}, headers=headers)
        assert unknown.status_code == 404 and "job.list" in unknown.json()["error"]["message"]
        partner = h.http.post("/proxy/assessment.start", json={}, headers=headers)
        assert partner.status_code == 400


@pytest.mark.parametrize(
    ("content", "code", "status"),
    [
        (b"{not json", "malformed_json", 400),
        (b"[1, 2]", "invalid_request", 422),
        (b'"text"', "invalid_request", 422),
    ],
)
def test_malformed_bodies_are_4xx(tmp_path: Path, content: bytes, code: str, status: int) -> None:
    with harness(tmp_path) as h:
        headers = {**h.connection(h.tenant()), "Content-Type": "application/json"}
        for path in ["/proxy/job.list", "/resources/atsJob", "/connections"]:
            answer = h.http.post(path, content=content, headers=headers)
            assert answer.status_code == status, (path, answer.text)
            assert answer.json()["error"]["code"] == code


def test_oversized_bodies_are_413(tmp_path: Path) -> None:
    with harness(tmp_path, max_body_bytes=1000) as h:
        headers = h.connection(h.tenant())
        big = b'{"a": "' + b"x" * 5000 + b'"}'
        answer = h.http.post(
            "/proxy/job.list", content=big, headers={**headers, "Content-Type": "application/json"}
        )
        assert answer.status_code == 413 and answer.json()["error"]["code"] == "body_too_large"

        def chunks() -> object:
            yield big[:600]
            yield big[600:]

        streamed = h.http.post(
            "/proxy/job.list",
            content=chunks(),  # type: ignore[arg-type]
            headers={**headers, "Content-Type": "application/json"},
        )
        assert streamed.status_code == 413


def test_wrong_types_unknown_models_and_ids_are_4xx_with_the_field(tmp_path: Path) -> None:
    with harness(tmp_path, FakeAshby(scopes=[])) as h:
        headers = h.connection(h.tenant())
        answer = h.http.get("/resources/atsJob", params={"limit": "lots"}, headers=headers)
        assert answer.status_code == 422 and answer.json()["error"]["field"] == "limit"
        answer = h.http.get("/resources/atsJobs", headers=headers)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "unknown_model"
        assert "atsJob" in answer.json()["error"]["suggestions"]
        answer = h.http.get("/resources/atsJob/nope", headers=headers)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "record_not_found"
        answer = h.http.post("/resources/atsJob", json={"title": 5}, headers=headers)
        assert answer.status_code == 422 and answer.json()["error"]["field"] == "title"
        answer = h.http.post("/resources/atsJob", json={"salary": 5}, headers=headers)
        assert answer.status_code == 422 and answer.json()["error"]["code"] == "unknown_field"
        answer = h.http.get("/resources/atsJob", params={"cursor": "!!!"}, headers=headers)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_cursor"
        answer = h.http.post("/connections", json={"ownerId": 5}, headers=headers)
        assert answer.status_code == 422


def test_the_ashby_key_never_appears_in_answers(tmp_path: Path) -> None:
    with harness(tmp_path, FakeAshby(scopes=["candidatesRead"])) as h:
        tenant = h.tenant()
        headers = h.connection(tenant)
        pages = [
            h.http.get("/connections", headers=tenant).text,
            h.http.get(f"/connections/{headers['X-Connection-Id']}", headers=tenant).text,
            h.http.post("/connections", json={"ownerId": "o", "apiKey": "wrong-key"}, headers=tenant).text,
        ]
        assert all(GOOD_KEY not in p and "wrong-key" not in p for p in pages)
        tenancy = h.core.tenancy
        assert GOOD_KEY not in repr(tenancy.list_connections(tenancy.list_platform_keys()[0]["id"]))
