"""The Connect page: one-time links an end customer uses to paste their Ashby key."""

from __future__ import annotations

from pathlib import Path

from tests.unit.server_fakes import GOOD_KEY, FakeAshby, harness


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
        assert h.http.get(url).status_code == 404  # used
        assert h.http.post(url, data={"apiKey": GOOD_KEY}).status_code == 404


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
