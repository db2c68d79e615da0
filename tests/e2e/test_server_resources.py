"""The REST server over HTTP against the emulator: every model's CRUD (or 501), field mapping both
ways, custom models, restricted keys, connection lifecycle and syncs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import jsonschema
import pytest

from ashby_connector import unified
from ashby_connector.client import AshbyClient
from ashby_connector.emulator import EmulatorHandle, run_emulator
from ashby_connector.unified.registry import NotSupported
from tests.e2e.server_harness import Server, run_server


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorHandle]:
    with run_emulator(seed=21, candidates=30, rate_limit_per_minute=None) as handle:
        yield handle


@pytest.fixture(scope="module")
def server(emu: EmulatorHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("srv") / "server.db"
    with run_server(emu.base_url, f"sqlite:///{db}") as srv:
        yield srv


@pytest.fixture(scope="module")
def http(server: Server, emu: EmulatorHandle) -> Iterator[httpx.Client]:
    client = server.tenant("resources")
    client.headers["X-Connection-Id"] = server.connect(client, emu.api_key)
    yield client
    client.close()


@pytest.fixture(scope="module")
def document(server: Server) -> dict[str, Any]:
    answer = httpx.get(f"{server.url}/openapi.json")
    assert answer.status_code == 200
    return dict(answer.json())


def _check_against_schema(document: dict[str, Any], model: str, record: dict[str, Any]) -> None:
    """``record`` is exactly what the OpenAPI document says a ``model`` is (the fast read path
    writes answers without the pydantic models the schema comes from)."""
    schema = {"$ref": f"#/components/schemas/{model}", "components": document["components"]}
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(record)]
    assert not errors, (model, errors[:3], record)


@pytest.mark.parametrize(
    "spec", [s for s in unified.models() if s.read_unavailable is None], ids=lambda s: s.name
)
def test_every_model_lists_and_retrieves(
    spec: unified.ModelSpec, http: httpx.Client, document: dict[str, Any]
) -> None:
    page = http.get(f"/resources/{spec.name}", params={"limit": 20, "includeRemoteData": "true"})
    assert page.status_code == 200, page.text
    data = page.json()["data"]
    if spec.name == "atsAttachment" and not data:
        pytest.skip("no files in this seeded organisation (covered by the use-case test)")
    assert data, spec.name
    for record in data:
        _check_against_schema(document, spec.name, record)
    first = data[0]
    assert {"id", "remoteId", "createdAt", "updatedAt", "deletedAt", "remoteData"} <= set(first)
    assert first["remoteData"]["id"] == first["remoteId"]
    one = http.get(f"/resources/{spec.name}/{first['id']}")
    assert one.status_code == 200 and one.json()["data"]["id"] == first["id"]
    assert "remoteData" not in one.json()["data"]
    _check_against_schema(document, spec.name, one.json()["data"])


@pytest.mark.parametrize(
    ("spec", "action"),
    [
        (s, a)
        for s in unified.models()
        for a in ("create", "update", "delete")
        if isinstance(s.write(a), NotSupported)
    ],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
def test_writes_ashby_cannot_do_answer_501_with_the_reason(
    spec: unified.ModelSpec, action: str, http: httpx.Client
) -> None:
    method, path = {"create": ("POST", ""), "update": ("PATCH", "/x"), "delete": ("DELETE", "/x")}[action]
    answer = http.request(
        method, f"/resources/{spec.name}{path}", json={"name": "x"} if method != "DELETE" else None
    )
    assert answer.status_code == 501, answer.text
    error = answer.json()["error"]
    reason = spec.write(action)
    assert isinstance(reason, NotSupported)
    assert error["code"] == "not_supported" and reason.reason in error["message"]


def test_candidate_create_update_anonymize(http: httpx.Client, emu: EmulatorHandle) -> None:
    made = http.post(
        "/resources/atsCandidate", json={"firstName": "Ada", "lastName": "Byron", "email": "ada@example.com"}
    )
    assert made.status_code == 201, made.text
    cid = made.json()["data"]["id"]
    assert made.json()["data"]["email"] == "ada@example.com"
    # The store has it at once: the list sees it without a sync.
    found = http.get("/resources/genericContact", params={"q": "Byron"}).json()["data"]
    assert [c["id"] for c in found] == [cid]
    changed = http.patch(f"/resources/genericContact/{cid}", json={"lastName": "Lovelace"})
    assert changed.status_code == 200 and changed.json()["data"]["name"] == "Ada Lovelace"
    with AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None) as ashby:
        assert ashby.call("candidate.info", {"id": cid})["name"] == "Ada Lovelace"
    refused = http.delete(f"/resources/atsCandidate/{cid}")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "confirmation_required"
    gone = http.delete(f"/resources/atsCandidate/{cid}", params={"anonymize": "true"})
    assert gone.status_code == 200, gone.text
    with AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None) as ashby:
        after = ashby.call("candidate.info", {"id": cid})
    assert after["name"] == "Anonymized Candidate" and not after.get("primaryEmailAddress")
    stored = http.get(f"/resources/genericContact/{cid}").json()["data"]
    assert stored["email"] is None and "Lovelace" not in (stored["name"] or "")


def test_department_location_tag_writes_and_archive(http: httpx.Client) -> None:
    dept = http.post("/resources/atsDepartment", json={"name": "Research"}).json()["data"]
    renamed = http.patch(f"/resources/atsDepartment/{dept['id']}", json={"name": "R&D"})
    assert renamed.status_code == 200 and renamed.json()["data"]["name"] == "R&D"
    archived = http.delete(f"/resources/atsDepartment/{dept['id']}")
    assert archived.status_code == 200 and archived.json()["data"]["isArchived"] is True
    loc = http.post("/resources/atsLocation", json={"name": "Lisbon", "workplaceType": "HYBRID"})
    assert loc.status_code == 201 and loc.json()["data"]["workplaceType"] == "HYBRID"
    bad = http.post("/resources/atsLocation", json={"name": "X", "workplaceType": "MOON"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "workplaceType"
    tag = http.post("/resources/atsTag", json={"name": "Referral"}).json()["data"]
    archived_tag = http.delete(f"/resources/atsTag/{tag['id']}")
    assert archived_tag.status_code == 200 and archived_tag.json()["data"]["id"] == tag["id"]
    # Ashby has no single-tag read: its tag list, archived ones included, says what it holds.
    again = http.post("/proxy/candidateTag.list", json={"includeArchived": True})
    assert again.status_code == 200, again.text
    assert [t["isArchived"] for t in again.json()["results"] if t["id"] == tag["id"]] == [True]


def test_application_create_update_delete(http: httpx.Client) -> None:
    cand = http.post("/resources/atsCandidate", json={"name": "Applicant One"}).json()["data"]
    job = http.get("/resources/atsJob", params={"limit": 1, "status": "OPEN"}).json()["data"][0]
    made = http.post("/resources/atsApplication", json={"candidateId": cand["id"], "jobId": job["id"]})
    assert made.status_code == 201, made.text
    app = made.json()["data"]
    assert app["candidateId"] == cand["id"] and app["jobId"] == job["id"]
    expanded = http.get(f"/resources/atsApplication/{app['id']}", params={"expand": "candidate,job"}).json()[
        "data"
    ]
    assert expanded["candidate"]["id"] == cand["id"] and expanded["job"]["title"] == job["title"]
    source = http.get("/resources/atsSource", params={"limit": 1}).json()["data"][0]
    moved = http.patch(f"/resources/atsApplication/{app['id']}", json={"sourceId": source["id"]})
    assert moved.status_code == 200 and moved.json()["data"]["sourceId"] == source["id"]
    deleted = http.delete(f"/resources/atsApplication/{app['id']}")
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    assert http.get(f"/resources/atsApplication/{app['id']}").status_code == 404


def test_interview_schedule_and_note_writes(http: httpx.Client) -> None:
    app = http.get("/resources/atsApplication", params={"limit": 1, "status": "ACTIVE"}).json()["data"][0]
    user = http.get("/resources/genericUser", params={"limit": 1}).json()["data"][0]
    event = http.post(
        "/resources/atsInterview",
        json={
            "applicationId": app["id"],
            "startTime": "2031-01-01T09:00:00Z",
            "endTime": "2031-01-01T10:00:00Z",
            "interviewerEmails": [user["email"]],
        },
    )
    assert event.status_code == 201, event.text
    eid = event.json()["data"]["id"]
    moved = http.patch(
        f"/resources/atsInterview/{eid}",
        json={"startTime": "2031-01-02T09:00:00Z", "endTime": "2031-01-02T10:00:00Z"},
    )
    assert moved.status_code == 200 and moved.json()["data"]["startTime"].startswith("2031-01-02")
    cancelled = http.delete(f"/resources/scheduleEvent/{eid}")
    assert cancelled.status_code == 200 and cancelled.json()["data"]["status"] == "CANCELLED"
    note = http.post("/resources/atsNote", json={"candidateId": app["candidateId"], "content": "Great call"})
    assert note.status_code == 201 and note.json()["data"]["candidateId"] == app["candidateId"]


def test_list_paging_filters_and_fields(http: httpx.Client) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 7, "fields": "name"}
        if cursor:
            params["cursor"] = cursor
        page = http.get("/resources/atsCandidate", params=params).json()
        assert all(set(r) <= {"id", "name"} for r in page["data"])
        seen += [r["id"] for r in page["data"]]
        cursor = page["next"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) >= 30
    some = seen[:3]
    by_ids = http.get("/resources/atsCandidate", params={"ids": ",".join(some)}).json()["data"]
    assert sorted(r["id"] for r in by_ids) == sorted(some)
    future = http.get("/resources/atsCandidate", params={"updatedAfter": "2999-01-01T00:00:00Z"}).json()
    assert future["data"] == []
    jobs = http.get("/resources/atsJob", params={"status": "OPEN", "limit": 100}).json()["data"]
    assert jobs and all(j["status"] == "OPEN" for j in jobs)
    assert http.get("/resources/atsJob", params={"colour": "red"}).status_code == 400


def test_field_mapping_reads_and_writes_custom_fields(http: httpx.Client, emu: EmulatorHandle) -> None:
    with AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None) as ashby:
        field = ashby.call(
            "customField.create",
            {"fieldType": "Number", "objectType": "Candidate", "title": "Years at the company (server test)"},
        )
        cid = http.get("/resources/atsCandidate", params={"limit": 1}).json()["data"][0]["id"]
        ashby.call(
            "customField.setValue",
            {"objectType": "Candidate", "objectId": cid, "fieldId": field["id"], "fieldValue": 4},
        )
    conn = http.headers["X-Connection-Id"]
    put = http.put(
        f"/connections/{conn}/field-mappings/atsCandidate",
        json={
            "entries": [{"unifiedField": "years", "ashbyFieldTitle": "Years at the company (server test)"}]
        },
    )
    assert put.status_code == 200, put.text
    live = http.get(f"/resources/atsCandidate/{cid}", params={"live": "true"}).json()["data"]
    assert live["customFields"] == {"years": 4}
    wrote = http.patch(f"/resources/atsCandidate/{cid}", json={"customFields": {"years": 9}})
    assert wrote.status_code == 200 and wrote.json()["data"]["customFields"] == {"years": 9}
    wrong = http.patch(f"/resources/atsCandidate/{cid}", json={"customFields": {"years": "nine"}})
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "customFields.years"
    unmapped = http.patch(f"/resources/atsCandidate/{cid}", json={"customFields": {"level": "x"}})
    assert unmapped.status_code == 422
    assert http.put(f"/connections/{conn}/field-mappings/atsTag", json={"entries": []}).status_code == 422


def test_custom_models_are_served_like_built_in_ones(http: httpx.Client) -> None:
    conn = http.headers["X-Connection-Id"]
    put = http.put(
        f"/connections/{conn}/custom-models/interviewPlans",
        json={"operation": "interviewPlan.list", "fields": {"title": "title", "archived": "isArchived"}},
    )
    assert put.status_code == 200, put.text
    page = http.get("/resources/interviewPlans", params={"limit": 5}).json()
    assert page["data"] and set(page["data"][0]) >= {"id", "title", "archived"}
    one = http.get(f"/resources/interviewPlans/{page['data'][0]['id']}")
    assert one.status_code == 200 and one.json()["data"]["title"] == page["data"][0]["title"]
    assert http.post("/resources/interviewPlans", json={"title": "x"}).status_code == 501
    bad = http.put(
        f"/connections/{conn}/custom-models/things",
        json={"operation": "candidate.create", "fields": {"a": "b"}},
    )
    assert bad.status_code == 422
    assert (
        http.put(
            f"/connections/{conn}/custom-models/atsJob", json={"operation": "job.list", "fields": {"a": "b"}}
        ).status_code
        == 409
    )


def test_restricted_key_shows_exactly_the_missing_permissions(server: Server, emu: EmulatorHandle) -> None:
    key = emu.control.add_key(permissions=["candidatesRead", "jobsRead", "apiKeysRead"])
    tenant = server.tenant("restricted")
    answer = tenant.post("/connections", json={"ownerId": "r", "apiKey": key})
    assert answer.status_code == 201, answer.text
    access = answer.json()["access"]
    assert access["known"] is True
    models = {m["model"]: m["actions"] for m in access["models"]}
    assert models["atsCandidate"]["read"] == {"allowed": True, "missingPermissions": []}
    assert models["atsCandidate"]["create"] == {"allowed": False, "missingPermissions": ["candidatesWrite"]}
    assert models["genericUser"]["read"] == {"allowed": False, "missingPermissions": ["organizationRead"]}
    assert models["atsOffer"]["read"]["missingPermissions"] == ["offersRead"]
    denied = {d["operation"]: d["permission"] for d in access["operations"]["denied"]}
    assert denied["offer.list"] == "offersRead" and "candidate.list" in access["operations"]["allowed"]
    assert "candidatesRead" not in access["missingPermissions"]
    assert "organizationRead" in access["missingPermissions"]
    tenant.close()


def test_requested_operations_report_permissions_and_support(server: Server, emu: EmulatorHandle) -> None:
    key = emu.control.add_key(permissions=["candidatesRead", "apiKeysRead"])
    tenant = server.tenant("morph-style")
    wanted = ["genericContact::list", "genericContact::create", "genericUser::list", "genericUser::create"]
    answer = tenant.post("/connections", json={"ownerId": "m", "apiKey": key, "operations": wanted})
    assert answer.status_code == 201, answer.text
    ops = answer.json()["operations"]
    assert ops["requested"] == wanted and ops["status"] == "insufficient_permissions"
    assert ops["missingPermissions"] == ["candidatesWrite", "organizationRead"]
    by_name = {d["operation"]: d for d in ops["details"]}
    assert by_name["genericContact::list"] == {
        "operation": "genericContact::list",
        "description": "see all candidates",
        "supported": True,
        "allowed": True,
        "ashbyOperations": ["candidate.list"],
        "permissions": ["candidatesRead"],
        "missingPermissions": [],
        "reason": None,
    }
    create = by_name["genericContact::create"]
    assert create["allowed"] is False and create["missingPermissions"] == ["candidatesWrite"]
    assert create["ashbyOperations"] == ["candidate.create"]
    users = by_name["genericUser::list"]
    assert users["allowed"] is False and users["missingPermissions"] == ["organizationRead"]
    user_create = by_name["genericUser::create"]
    assert user_create["supported"] is False and user_create["allowed"] is False
    assert "SCIM" in user_create["reason"]
    # Stored with the connection; GET shows the current status (recomputed from the key's scopes).
    shown = tenant.get(f"/connections/{answer.json()['id']}").json()
    assert shown["operations"] == ops
    # A key with every permission: only what Ashby cannot do remains.
    full = tenant.post(
        "/connections", json={"ownerId": "m2", "apiKey": emu.api_key, "operations": wanted}
    ).json()["operations"]
    assert full["status"] == "not_supported" and full["missingPermissions"] == []
    ready = tenant.post(
        "/connections", json={"ownerId": "m3", "apiKey": key, "operations": ["atsCandidate::retrieve"]}
    ).json()["operations"]
    assert ready["status"] == "ready"
    assert ready["details"][0]["ashbyOperations"] == ["candidate.list", "candidate.info"]
    plain = tenant.post("/connections", json={"ownerId": "m4", "apiKey": key}).json()
    assert plain["operations"] is None
    for bad, field in (
        (["genericContact::list", "genericThing::list"], "operations[1]"),
        (["genericContact::explode"], "operations[0]"),
        (["genericContact"], "operations[0]"),
    ):
        refused = tenant.post("/connections", json={"ownerId": "x", "apiKey": key, "operations": bad})
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert error["code"] == "unknown_operation" and error["field"] == field
        assert bad[-1] in error["message"]
    tenant.close()


def test_bad_ashby_key_is_refused_and_keys_rotate(server: Server, emu: EmulatorHandle) -> None:
    tenant = server.tenant("rotate")
    bad = tenant.post("/connections", json={"ownerId": "o", "apiKey": "not-a-key"})
    assert bad.status_code == 422 and bad.json()["error"] == {
        "code": "invalid_ashby_key",
        "message": "Ashby rejected this API key",
        "field": "apiKey",
    }
    cid = server.connect(tenant, emu.api_key, sync=False)
    newer = emu.control.add_key(permissions=["candidatesRead", "apiKeysRead"], title="Newer")
    rotated = tenant.post(f"/connections/{cid}/rotate", json={"apiKey": newer})
    assert rotated.status_code == 200 and rotated.json()["keyTitle"] == "Newer"
    tenant.close()


def test_sync_endpoint_and_delete_removes_the_data(server: Server, emu: EmulatorHandle) -> None:
    tenant = server.tenant("lifecycle")
    cid = server.connect(tenant, emu.api_key, sync=False)
    tenant.headers["X-Connection-Id"] = cid
    started = tenant.post("/syncs", json={"streams": ["candidate", "job"]})
    assert started.status_code == 202, started.text
    run_id = started.json()["id"]
    deadline = time.monotonic() + 60
    while (run := tenant.get(f"/syncs/{run_id}").json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert run["status"] == "succeeded", run
    last = tenant.get(f"/connections/{cid}").json()["lastSync"]
    assert last["id"] == run_id and last["status"] == "succeeded" and last["finishedAt"]
    assert tenant.get("/resources/atsCandidate", params={"limit": 1}).json()["data"]
    assert server.core.store.count(cid, "candidate") > 0
    assert tenant.delete(f"/connections/{cid}").status_code == 204
    assert server.core.store.count(cid, "candidate", include_deleted=True) == 0
    assert tenant.get("/resources/atsCandidate").status_code == 404
    assert tenant.get(f"/syncs/{run_id}").status_code == 404
    tenant.close()


def test_job_create_update_archive(http: httpx.Client) -> None:
    dept = http.get("/resources/atsDepartment", params={"limit": 1}).json()["data"][0]
    loc = http.get("/resources/atsLocation", params={"limit": 1}).json()["data"][0]
    made = http.post(
        "/resources/atsJob",
        json={"title": "Platform engineer", "departmentId": dept["id"], "locationId": loc["id"]},
    )
    assert made.status_code == 201, made.text
    job = made.json()["data"]
    assert job["title"] == "Platform engineer" and job["status"] == "DRAFT"
    bad = http.patch(f"/resources/atsJob/{job['id']}", json={"status": "SOMEWHERE"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "status"
    archived = http.delete(f"/resources/atsJob/{job['id']}")
    assert archived.status_code == 200, archived.text
    assert archived.json()["deleted"] is False  # archived, not gone: Ashby keeps jobs


def test_offer_update_sends_the_form(http: httpx.Client) -> None:
    offers = http.get("/resources/atsOffer", params={"limit": 100}).json()["data"]
    open_offers = [o for o in offers if o["status"] in ("DRAFT", "PENDING_APPROVAL", "SENT")]
    assert open_offers, "the seeded organisation has undecided offers"
    offer = open_offers[0]
    version = lambda: http.get(  # noqa: E731
        f"/resources/atsOffer/{offer['id']}", params={"live": "true", "includeRemoteData": "true"}
    ).json()["data"]["remoteData"]["latestVersion"]["id"]
    before = version()
    missing = http.patch(f"/resources/atsOffer/{offer['id']}", json={})
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "offerForm"
    updated = http.patch(f"/resources/atsOffer/{offer['id']}", json={"offerForm": {"fieldSubmissions": []}})
    assert updated.status_code == 200, updated.text
    assert updated.json()["data"]["id"] == offer["id"]
    assert version() != before  # Ashby made a new version of the offer from the form
    assert http.delete(f"/resources/atsOffer/{offer['id']}").status_code == 501


def test_synced_events_carry_their_schedules_status_and_application(http: httpx.Client) -> None:
    events = http.get("/resources/scheduleEvent", params={"limit": 20}).json()["data"]
    assert events and all(e["scheduleId"] for e in events)
    assert all(e["status"] is not None and e["applicationId"] for e in events)
    interviews = http.get("/resources/atsInterview", params={"limit": 5}).json()["data"]
    assert all(i["applicationId"] for i in interviews)


def _all(http: httpx.Client, model: str, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = http.get(
            f"/resources/{model}", params={"limit": 100, **params, **({"cursor": cursor} if cursor else {})}
        )
        assert page.status_code == 200, page.text
        out += page.json()["data"]
        cursor = page.json()["next"]
        if not cursor:
            return out


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize(
    "spec",
    [s for s in unified.models() if (s.search or s.created_field) and s.read_unavailable is None],
    ids=lambda s: s.name,
)
def test_sql_narrowed_created_after_and_q_agree_with_the_exact_check(
    spec: unified.ModelSpec, http: httpx.Client, server: Server
) -> None:
    everything = _all(http, spec.name)
    if not everything:
        pytest.skip(f"no {spec.name} in the seeded organisation")
    created = sorted(_when(r["createdAt"]) for r in everything if r.get("createdAt"))
    if created:
        # A zone other than UTC on purpose: the SQL margin must cover it.
        pivot = created[len(created) // 2].astimezone(timezone(timedelta(hours=-9)))
        expected = [r["id"] for r in everything if r.get("createdAt") and _when(r["createdAt"]) > pivot]
        got = [r["id"] for r in _all(http, spec.name, createdAfter=pivot.isoformat())]
        assert got == expected
    for field in spec.search:
        values = [r[field] for r in everything if isinstance(r.get(field), str) and r[field]]
        for value in values[:3]:
            for needle in {value.split()[0][1:4], value.split()[-1].upper(), value}:
                if not needle:
                    continue
                folded = needle.casefold()
                expected = [
                    r["id"]
                    for r in everything
                    if any(isinstance(r.get(f), str) and folded in r[f].casefold() for f in spec.search)
                ]
                got = [r["id"] for r in _all(http, spec.name, q=needle)]
                assert got == expected, (field, needle)


def test_application_filters_on_nested_ids_agree_with_the_exact_check(http: httpx.Client) -> None:
    everything = _all(http, "atsApplication")
    for name in ("candidateId", "jobId", "stageId"):
        for value in list(dict.fromkeys(a[name] for a in everything if a.get(name)))[:3]:
            expected = [a["id"] for a in everything if a.get(name) == value]
            assert [a["id"] for a in _all(http, "atsApplication", **{name: value})] == expected
    assert _all(http, "atsApplication", candidateId="nobody") == []


def test_lazy_notes_are_fetched_from_ashby_on_first_read(server: Server, emu: EmulatorHandle) -> None:
    client = server.tenant("lazy")
    connection_id = server.connect(client, emu.api_key, sync=False)
    client.headers["X-Connection-Id"] = connection_id
    row = server.core.tenancy.get_connection(server.tenant_of(connection_id), connection_id)
    assert row is not None
    from ashby_connector.sync import SyncEngine

    SyncEngine(server.core.clients.require(row.id), server.core.store, connection_id).run()  # notes: lazy
    assert server.core.store.count(connection_id, "candidateNote") == 0
    with AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None) as ashby:
        candidates = [r for p in ashby.pages("candidate.list", {}) for r in p.results]
        notes = {
            c["id"]: [
                n["id"]
                for p in ashby.pages("candidate.listNotes", {"candidateId": c["id"]})
                for n in p.results
            ]
            for c in candidates
        }
    cid = next(c for c, ids in notes.items() if ids)
    page = client.get("/resources/atsNote", params={"candidateId": cid, "limit": 100})
    assert page.status_code == 200, page.text
    assert sorted(n["remoteId"] for n in page.json()["data"]) == sorted(notes[cid])
    assert server.core.store.count(connection_id, "candidateNote") == len(notes[cid])
    client.close()
