"""Requested operations hold: a connection that asked only to list contacts can do nothing else."""

from __future__ import annotations

from pathlib import Path

from ashby_connector.core.connections.requested_operations import (
    OperationNotRequested,
    RequestedOperations,
    plain_words,
)
from tests.integration.server_fakes import GOOD_KEY, harness


def test_policy_names_what_to_request() -> None:
    contacts = RequestedOperations.of(["genericContact::list"])
    contacts.require("genericContact", "list")
    contacts.require_ashby("candidate.list")
    contacts.require_ashby("apiKey.info")
    try:
        contacts.require_ashby("candidate.create")
    except OperationNotRequested as refused:
        assert "genericContact::create" in refused.request and "atsCandidate::create" in refused.request
    else:
        raise AssertionError("candidate.create was let through")
    unlimited = RequestedOperations.of(None)
    unlimited.require("atsJob", "delete")
    unlimited.require_ashby("candidate.anonymize")
    assert plain_words("genericContact::list") == "see all candidates"
    assert plain_words("scheduleCalendar::retrieve") == "look up single interviewers' calendars"


def test_a_connection_that_requested_only_contact_lists_cannot_write_or_read_more(tmp_path: Path) -> None:
    with harness(tmp_path) as h:
        h.ashby.results["candidate.list"] = []
        h.ashby.results["candidate.create"] = {"id": "c-new", "name": "Mallory"}
        tenant = h.tenant()
        made = h.http.post(
            "/connections",
            json={"ownerId": "o", "apiKey": GOOD_KEY, "operations": ["genericContact::list"]},
            headers=tenant,
        )
        assert made.status_code == 201, made.text
        conn = {**tenant, "X-Connection-Id": made.json()["id"]}

        refused = [
            h.http.post("/proxy/candidate.create", json={"name": "Mallory"}, headers=conn),
            h.http.post("/resources/atsCandidate", json={"name": "Mallory"}, headers=conn),
            h.http.post("/resources/genericContact", json={"name": "Mallory"}, headers=conn),
            h.http.patch("/resources/genericContact/c1", json={"name": "M"}, headers=conn),
            h.http.delete("/resources/genericContact/c1?anonymize=true", headers=conn),
            h.http.get("/resources/genericContact/c1", headers=conn),
            h.http.get("/resources/genericContact/c1?live=true", headers=conn),
            h.http.get("/resources/atsCandidate", headers=conn),
            h.http.get("/resources/atsJob", headers=conn),
            h.http.get("/resources/atsApplication?expand=candidate", headers=conn),
        ]
        for answer in refused:
            assert answer.status_code == 403, (answer.request.url, answer.text)
            assert answer.json()["error"]["code"] == "operation_not_requested"
        create = refused[0].json()["error"]
        assert create["operation"] == "candidate.create"
        assert "genericContact::create" in create["request"] and "genericContact::create" in create["message"]
        assert refused[1].json()["error"]["request"] == ["atsCandidate::create"]
        assert refused[5].json()["error"]["request"] == ["genericContact::retrieve"]
        # Nothing that was refused reached Ashby.
        assert not [r for r in h.ashby.seen if r.url.path in ("/candidate.create", "/candidate.info")]

        assert h.http.get("/resources/genericContact", headers=conn).status_code == 200
        assert h.http.post("/proxy/candidate.list", json={}, headers=conn).status_code == 200

        report = h.http.get(f"/connections/{conn['X-Connection-Id']}", headers=tenant).json()["operations"]
        assert report["enforced"] is True
        assert report["summary"] == "This connection may only see all candidates. Anything else is refused."
        assert report["details"][0]["description"] == "see all candidates"


def test_a_connection_without_requested_operations_keeps_todays_behaviour(tmp_path: Path) -> None:
    with harness(tmp_path) as h:
        h.ashby.results["candidate.create"] = {"id": "c-new", "name": "Mallory"}
        conn = h.connection(h.tenant())
        answer = h.http.post("/proxy/candidate.create", json={"name": "Mallory"}, headers=conn)
        assert answer.status_code == 200 and answer.json()["results"]["id"] == "c-new"
        assert h.http.get("/resources/atsJob", headers=conn).status_code == 200


def test_patch_changes_requested_operations_only_to_what_the_key_can_grant(tmp_path: Path) -> None:
    with harness(tmp_path) as h:
        h.ashby.results["candidate.list"] = []
        h.ashby.scopes = ["apiKeysRead", "candidatesRead", "jobsRead"]
        tenant = h.tenant()
        made = h.http.post(
            "/connections",
            json={"ownerId": "o", "apiKey": GOOD_KEY, "operations": ["genericContact::list"]},
            headers=tenant,
        )
        cid = made.json()["id"]
        conn = {**tenant, "X-Connection-Id": cid}
        assert h.http.get("/resources/atsCandidate", headers=conn).status_code == 403

        # A write the key has no permission for is named, and nothing changes.
        refused = h.http.patch(
            f"/connections/{cid}",
            json={"operations": ["atsCandidate::list", "atsCandidate::create"]},
            headers=tenant,
        )
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert error["code"] == "operation_not_grantable"
        assert error["field"] == "operations[1]" and error["operation"] == "atsCandidate::create"
        assert "atsCandidate::create" in error["message"] and "candidatesWrite" in error["message"]
        unsupported = h.http.patch(
            f"/connections/{cid}", json={"operations": ["genericUser::create"]}, headers=tenant
        )
        assert unsupported.status_code == 422
        assert "genericUser::create" in unsupported.json()["error"]["message"]
        unknown = h.http.patch(f"/connections/{cid}", json={"operations": ["nope::list"]}, headers=tenant)
        assert unknown.json()["error"]["code"] == "unknown_operation"
        assert h.http.get(f"/connections/{cid}", headers=tenant).json()["operations"]["requested"] == [
            "genericContact::list"
        ]

        changed = h.http.patch(
            f"/connections/{cid}", json={"operations": ["atsCandidate::list"]}, headers=tenant
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["operations"]["requested"] == ["atsCandidate::list"]
        assert h.http.get("/resources/atsCandidate", headers=conn).status_code == 200
        assert h.http.get("/resources/genericContact", headers=conn).status_code == 403

        # null lifts the restriction; another tenant cannot patch it at all.
        other = h.tenant("other")
        stranger = h.http.patch(f"/connections/{cid}", json={"operations": None}, headers=other)
        assert stranger.status_code == 404
        lifted = h.http.patch(f"/connections/{cid}", json={"operations": None}, headers=tenant)
        assert lifted.json()["operations"] is None
        assert h.http.get("/resources/genericContact", headers=conn).status_code == 200


def test_a_patch_reaches_every_part_of_this_process_at_once(tmp_path: Path) -> None:
    from ashby_connector.store.tenancy import Tenancy

    with harness(tmp_path) as h:
        tenant = h.tenant()
        body = {"ownerId": "o", "apiKey": GOOD_KEY, "operations": ["genericContact::list"]}
        cid = h.http.post("/connections", json=body, headers=tenant).json()["id"]
        other = Tenancy(h.core.store)  # as the sync service and the lazy reads hold their own
        assert other.operations_of(cid) == (True, ["genericContact::list"])  # now cached there
        h.http.patch(f"/connections/{cid}", json={"operations": ["atsJob::list"]}, headers=tenant)
        assert other.operations_of(cid) == (True, ["atsJob::list"])


def test_every_model_has_plain_words_for_the_connect_page() -> None:
    from ashby_connector import unified
    from ashby_connector.core.connections.requested_operations import PLAIN_NOUNS

    assert set(unified.MODELS) <= set(PLAIN_NOUNS), set(unified.MODELS) - set(PLAIN_NOUNS)
