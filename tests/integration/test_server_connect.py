"""The Connect page: one-time links an end customer uses to paste their Ashby key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.integration.server_fakes import GOOD_KEY, FakeAshby, harness


def test_a_link_connects_once_and_reports_what_the_key_can_read(tmp_path: Path) -> None:
    with harness(tmp_path, FakeAshby(scopes=["candidatesRead", "apiKeysRead"])) as h:
        tenant = h.tenant()
        link = h.http.post("/connect-links", json={"ownerId": "customer-7"}, headers=tenant)
        assert link.status_code == 201, link.text
        url = link.json()["url"]
        form = h.http.get(url)
        assert form.status_code == 200 and "name='apiKey'" in form.text
        assert (
            form.headers["referrer-policy"] == "no-referrer"
            and "default-src 'none'" in form.headers["content-security-policy"]
        )
        refused = h.http.post(url, data={"apiKey": "wrong"})
        assert refused.status_code == 422 and "wrong" not in refused.text
        done = h.http.post(url, data={"apiKey": GOOD_KEY})
        assert done.status_code == 200 and "candidates" in done.text
        assert "offers (needs offersRead)" in done.text
        assert "atsCandidate" not in done.text  # plain words, not model names
        assert GOOD_KEY not in done.text
        connections = h.http.get("/connections", headers=tenant).json()["data"]
        assert [c["ownerId"] for c in connections] == ["customer-7"]
        assert h.http.get(url).status_code == 409  # used: the documented answer
        assert h.http.post(url, data={"apiKey": GOOD_KEY}).status_code == 409
        again = h.http.post(url, data={"apiKey": GOOD_KEY}, headers={"Accept": "application/json"})
        assert again.status_code == 409 and again.json()["error"]["code"] == "link_used"
        assert len(h.http.get("/connections", headers=tenant).json()["data"]) == 1  # nothing added


def test_a_link_is_spent_after_five_wrong_keys(tmp_path: Path) -> None:
    with harness(tmp_path, FakeAshby(scopes=["candidatesRead", "apiKeysRead"])) as h:
        tenant = h.tenant()
        url = h.http.post("/connect-links", json={"ownerId": "c"}, headers=tenant).json()["url"]
        as_json = {"Accept": "application/json"}
        for attempt in range(1, 6):
            refused = h.http.post(url, data={"apiKey": f"wrong-{attempt}"}, headers=as_json)
            assert refused.status_code == 422, refused.text
            assert ("spent" in refused.text) == (attempt == 5)
        spent = h.http.post(url, data={"apiKey": GOOD_KEY}, headers=as_json)  # even the right key
        assert spent.status_code == 409 and spent.json()["error"]["code"] == "link_spent"
        page = h.http.get(url)
        assert page.status_code == 409 and "Too many wrong keys" in page.text
        assert h.http.get("/connections", headers=tenant).json()["data"] == []
        other = h.http.post("/connect-links", json={"ownerId": "c"}, headers=tenant).json()["url"]
        assert h.http.post(other, data={"apiKey": GOOD_KEY}).status_code == 200  # per link


def test_unknown_links_and_escaping(tmp_path: Path) -> None:
    with harness(tmp_path, FakeAshby(scopes=[])) as h:
        assert h.http.get("/connect/not-a-token").status_code == 404
        assert h.http.get("/connect/" + "x" * 500).status_code == 404
        assert h.http.post("/connect-links", json={"ownerId": "o"}).status_code == 401
        tenant = h.tenant()
        bad = h.http.post("/connect-links", json={"ownerId": "o", "expiresInMinutes": 0}, headers=tenant)
        assert bad.status_code == 422


def test_a_link_can_ask_for_operations_and_the_page_says_what_they_need(tmp_path: Path) -> None:
    with harness(tmp_path, FakeAshby(scopes=["candidatesRead", "apiKeysRead"])) as h:
        tenant = h.tenant()
        wanted = ["genericContact::list", "genericContact::create", "genericUser::create"]
        link = h.http.post("/connect-links", json={"ownerId": "c8", "operations": wanted}, headers=tenant)
        assert link.status_code == 201 and link.json()["operations"] == wanted
        url = link.json()["url"]
        form = h.http.get(url).text
        assert "<li>add candidates</li>" in form and "genericContact" not in form
        done = h.http.post(url, data={"apiKey": GOOD_KEY})
        assert "add candidates: the key needs the permission candidatesWrite" in done.text
        assert "add users (members of your organisation): not possible with Ashby" in done.text
        connection = h.http.get("/connections", headers=tenant).json()["data"][0]
        shown = h.http.get(f"/connections/{connection['id']}", headers=tenant).json()
        assert shown["operations"]["requested"] == wanted
        assert shown["operations"]["status"] == "insufficient_permissions"
        assert shown["lastSync"] is None
        bad = h.http.post(
            "/connect-links", json={"ownerId": "c9", "operations": ["atsJob::fly"]}, headers=tenant
        )
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "operations[0]"


def test_delete_when_ashby_is_unreachable_reports_it_and_retries_until_removed(tmp_path: Path) -> None:
    import time

    import httpx

    from ashby_connector.store.queries import connection_row_counts
    from tests.integration.server_fakes import FakeAshby

    down = {"now": False}
    deleted: list[str] = []

    def ashby_webhooks(operation: str, body: dict[str, Any]) -> Any:
        if operation == "webhook.create":
            return {"id": f"wh-{body['webhookType']}", "requestUrl": body["requestUrl"], "enabled": True}
        if operation == "webhook.delete":
            if down["now"]:
                raise httpx.ConnectError("Ashby is down")
            deleted.append(body["webhookId"])
            return {"webhookId": body["webhookId"]}
        return None

    with harness(tmp_path, FakeAshby(handler=ashby_webhooks)) as h:
        headers = h.connection(h.tenant())
        cid = headers["X-Connection-Id"]
        types = ["applicationUpdate", "candidateHire"]
        registered = h.http.post(
            f"/connections/{cid}/webhooks",
            json={"url": "https://127.0.0.1:8443", "types": types},
            headers=headers,
        )
        assert registered.status_code == 200, registered.text
        down["now"] = True
        answer = h.http.delete(f"/connections/{cid}", headers=headers)
        assert answer.status_code == 202, answer.text
        body = answer.json()
        assert body["deleted"] is True and body["complete"] is False
        assert (
            sorted(body["webhooks"]["pending"]) == sorted(types)
            and "ConnectError" in body["webhooks"]["error"]
        )
        assert connection_row_counts(h.core.store.engine, cid) == {}  # the data is gone regardless
        registry = h.core.webhooks.registry
        assert len(registry.pending_removals()) == 2
        down["now"] = False
        assert registry.retry_removals(h.core.clients.for_key) == 0  # not due yet
        registry.clock = lambda: time.time() + 3600  # an hour later
        assert registry.retry_removals(h.core.clients.for_key) == 2
        assert sorted(deleted) == sorted(f"wh-{t}" for t in types) and registry.pending_removals() == []
