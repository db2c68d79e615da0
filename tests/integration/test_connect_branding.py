"""The Connect page: a retry after a refused key, plain words, a tenant's validated white label."""

from __future__ import annotations

import base64
from pathlib import Path

from tests.integration.server_fakes import GOOD_KEY, FakeAshby, harness

PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 32).decode()
BRAND = {
    "productName": "Acme Hire",
    "logo": PNG,
    "primaryColor": "#FF6600",
    "backgroundColor": "#fff",
    "textColor": "#222222",
    "supportUrl": "https://help.acme.example/ashby",
    "allowedRedirectUrls": ["https://app.acme.example/ashby/done"],
}


def test_a_refused_key_shows_the_form_again_with_the_reason(tmp_path: Path) -> None:
    with harness(tmp_path) as h:
        tenant = h.tenant()
        url = h.http.post("/connect-links", json={"ownerId": "c1"}, headers=tenant).json()["url"]
        refused = h.http.post(url, data={"apiKey": "not-the-key"})
        assert refused.status_code == 422
        assert "Ashby did not accept this key" in refused.text and "try again" in refused.text
        assert "name='apiKey'" in refused.text and "role='alert'" in refused.text
        assert "not-the-key" not in refused.text
        empty = h.http.post(url, data={"apiKey": " "})
        assert empty.status_code == 422 and "name='apiKey'" in empty.text
        crowded = h.http.post(
            url,
            content="&".join(f"f{i}=x" for i in range(50)),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert crowded.status_code == 400 and "name='apiKey'" in crowded.text
        done = h.http.post(url, data={"apiKey": GOOD_KEY})  # the same link still works
        assert done.status_code == 200 and "Connected" in done.text


def test_branding_is_validated_and_only_data_reaches_the_page(tmp_path: Path) -> None:
    with harness(tmp_path, FakeAshby(scopes=["candidatesRead", "apiKeysRead"])) as h:
        tenant = h.tenant()
        bad = [
            {"logo": "javascript:alert(1)"},
            {"logo": "http://acme.example/logo.png"},
            {"logo": "data:image/svg+xml;base64,PHN2Zz48c2NyaXB0Pjwvc2NyaXB0Pjwvc3ZnPg=="},
            {"primaryColor": "red;}</style><script>alert(1)</script>"},
            {"primaryColor": "#12345"},
            {"supportUrl": "javascript:alert(1)"},
            {"supportUrl": "https://x.example/'onmouseover='alert(1)"},
            {"allowedRedirectUrls": ["http://app.acme.example/done"]},
            {"productName": ""},
            {"css": "body{}"},
        ]
        for body in bad:
            answer = h.http.put("/branding", json=body, headers=tenant)
            assert answer.status_code == 422, (body, answer.text)
        hostile = {**BRAND, "productName": "<script>alert('x')</script> & Co"}
        saved = h.http.put("/branding", json=hostile, headers=tenant)
        assert saved.status_code == 200, saved.text
        assert h.http.get("/branding", headers=tenant).json()["data"]["primaryColor"] == "#ff6600"
        link = h.http.post(
            "/connect-links",
            json={
                "ownerId": "c2",
                "operations": ["genericContact::list"],
                "redirectUrl": BRAND["allowedRedirectUrls"][0],
            },
            headers=tenant,
        )
        assert link.status_code == 201, link.text
        page = h.http.get(link.json()["url"]).text
        assert "<script>" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co" in page
        assert "background:#ff6600" in page and f"src='{PNG}'" in page
        assert "href='https://help.acme.example/ashby'" in page
        assert "asks to use your Ashby account only to:</p><ul><li>see all candidates</li>" in page
        done = h.http.post(link.json()["url"], data={"apiKey": GOOD_KEY}).text
        assert "href='https://app.acme.example/ashby/done'" in done
        # Another tenant's page is not branded by this one.
        other = h.tenant("other")
        plain = h.http.post("/connect-links", json={"ownerId": "c3"}, headers=other).json()["url"]
        assert "Acme" not in h.http.get(plain).text


def test_redirect_urls_must_match_the_allowed_list_exactly(tmp_path: Path) -> None:
    with harness(tmp_path) as h:
        tenant = h.tenant()
        none_yet = h.http.post(
            "/connect-links",
            json={"ownerId": "c", "redirectUrl": "https://app.acme.example/ashby/done"},
            headers=tenant,
        )
        assert none_yet.status_code == 422 and none_yet.json()["error"]["code"] == "redirect_url_not_allowed"
        assert h.http.put("/branding", json=BRAND, headers=tenant).status_code == 200
        for url in (
            "https://app.acme.example/ashby/done?next=https://evil.example",
            "https://app.acme.example/ashby/done/",
            "http://app.acme.example/ashby/done",
            "https://evil.example/ashby/done",
            "javascript:alert(1)",
        ):
            answer = h.http.post("/connect-links", json={"ownerId": "c", "redirectUrl": url}, headers=tenant)
            assert answer.status_code == 422, url
            assert answer.json()["error"]["field"] == "redirectUrl"
