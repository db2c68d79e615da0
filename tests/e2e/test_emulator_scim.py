"""The emulator's SCIM 2.0 endpoint behaves as Ashby's directory sync: conformance (scim2-tester) and
what each SCIM write does to Ashby's users, seen through Ashby's own API over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from tests.e2e._emulator_extras import Api, emulator_api

USER = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with emulator_api(seed=41) as a:
        yield a


@pytest.fixture
def scim(api: Api) -> Iterator[httpx.Client]:
    emu = api.emu
    headers = {"Authorization": f"Bearer {emu.scim_token}", "Content-Type": "application/scim+json"}
    with httpx.Client(base_url=emu.scim_url, headers=headers, timeout=30) as client:
        yield client


def _create(scim: httpx.Client, email: str, **extra: Any) -> dict[str, Any]:
    body = {
        "schemas": [USER],
        "userName": email,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        **extra,
    }
    answer = scim.post("/Users", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _ashby_user(api: Api, email: str) -> dict[str, Any]:
    found = api.ok("user.search", {"email": email})
    assert len(found) == 1, found
    return dict(found[0])


def test_scim2_tester_passes(api: Api) -> None:
    http = httpx2.Client(
        base_url=api.emu.scim_url, headers={"Authorization": f"Bearer {api.emu.scim_token}"}, trust_env=False
    )
    with http:
        results = check_server(SyncSCIMClient(http))
    failures = [(r.title, r.reason) for r in results if r.status not in (Status.SUCCESS, Status.SKIPPED)]
    assert results and not failures, failures


def test_token_is_required(api: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        assert httpx.get(f"{api.emu.scim_url}/Users", headers=headers).status_code == 401
    # The service provider configuration is public (RFC 7643 section 5) and names the bearer scheme.
    config = httpx.get(f"{api.emu.scim_url}/ServiceProviderConfig").json()
    assert config["bulk"]["supported"] is False
    assert [s["type"] for s in config["authenticationSchemes"]] == ["oauthbearertoken"]
    types = httpx.get(
        f"{api.emu.scim_url}/ResourceTypes", headers={"Authorization": f"Bearer {api.emu.scim_token}"}
    )
    assert [t["name"] for t in types.json()["Resources"]] == ["User"]


def test_create_is_a_limited_access_user_seen_by_list_search_and_sync(api: Api, scim: httpx.Client) -> None:
    first = api.call("user.list", {})
    token = first["syncToken"] if not first.get("moreDataAvailable") else None
    created = _create(
        scim, "ada.lovelace@example.com", roles=[{"value": "Organization Admin", "primary": True}]
    )
    user = _ashby_user(api, "ada.lovelace@example.com")
    assert user["globalRole"] == "Limited Access"  # SCIM roles never reach Ashby's role
    assert (user["firstName"], user["lastName"], user["isEnabled"]) == ("Ada", "Lovelace", True)
    assert user["id"] in [u["id"] for u in _all_users(api)]
    if token is not None:
        changed = api.call("user.list", {"syncToken": token})
        assert [u["id"] for u in changed["results"]] == [user["id"]]
    # The SCIM resource reads back as written.
    read = scim.get(f"/Users/{created['id']}").json()
    assert (
        read["userName"] == "ada.lovelace@example.com" and read["roles"][0]["value"] == "Organization Admin"
    )


def test_deactivation_leaves_pools_keeps_scheduled_interviews(api: Api, scim: httpx.Client) -> None:
    state = api.emu.state
    schedule = next(s for s in state.iter("interviewSchedule") if s["interviewEvents"][0].get("interviewers"))
    interviewer = schedule["interviewEvents"][0]["interviewers"][0]
    pool = next(state.iter("interviewerPool"))
    api.ok("interviewerPool.addUser", {"interviewerPoolId": pool["id"], "userId": interviewer["id"]})
    created = _create(scim, interviewer["email"])  # the directory takes over an existing Ashby user
    role_before = _ashby_user(api, interviewer["email"])["globalRole"]

    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
    assert scim.patch(f"/Users/{created['id']}", json=patch).status_code in (200, 204)  # RFC 7644 3.5.2
    user = api.ok("user.info", {"userId": interviewer["id"]})
    assert user["isEnabled"] is False and user["globalRole"] == role_before
    assert interviewer["id"] not in [u["id"] for u in _all_users(api)]  # deactivated users are not listed
    assert interviewer["id"] in [u["id"] for u in _all_users(api, includeDeactivated=True)]
    members = api.ok("interviewerPool.info", {"interviewerPoolId": pool["id"]})["qualifiedMembers"]
    assert interviewer["id"] not in [m["id"] for m in members]
    kept = state.get("interviewSchedule", schedule["id"])
    assert interviewer["id"] in kept["interviewEvents"][0]["interviewerUserIds"]


def test_delete_deactivates_and_reactivation_enables(api: Api, scim: httpx.Client) -> None:
    created = _create(scim, "grace.hopper@example.com", active=True)
    put = {"schemas": [USER], "userName": "grace.hopper@example.com", "active": False,
           "name": {"givenName": "Grace", "familyName": "Hopper"}}  # fmt: skip
    assert scim.put(f"/Users/{created['id']}", json=put).status_code == 200
    assert _ashby_user(api, "grace.hopper@example.com")["isEnabled"] is False
    assert scim.put(f"/Users/{created['id']}", json={**put, "active": True}).status_code == 200
    user = _ashby_user(api, "grace.hopper@example.com")
    assert user["isEnabled"] is True and user["firstName"] == "Grace"

    assert scim.delete(f"/Users/{created['id']}").status_code == 204
    assert scim.get(f"/Users/{created['id']}").status_code == 404
    assert _ashby_user(api, "grace.hopper@example.com")["isEnabled"] is False  # kept, deactivated


def _all_users(api: Api, **body: Any) -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = api.call("user.list", {**body, **({"cursor": cursor} if cursor else {})})
        users.extend(page["results"])
        if not page.get("moreDataAvailable"):
            return users
        cursor = page["nextCursor"]
