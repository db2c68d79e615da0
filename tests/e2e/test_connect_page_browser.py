"""The Connect page in headless Chromium (Debian's ``chromium``, installed by ``make test``):
branded, in plain words, a retry after a refused key, and no tenant script ever runs."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from ashby_connector.emulator import EmulatorHandle
from tests.e2e.chromium import launched
from tests.e2e.server_harness import Server, run_server

PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 32).decode()
RETURN_TO = "https://app.acme.example/ashby/done"

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(emulator: EmulatorHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("connect") / "server.db"
    with run_server(emulator.base_url, f"sqlite:///{db}") as srv:
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with launched() as chromium:
        yield chromium


def test_the_branded_page_takes_a_key_after_a_refusal_and_sends_the_customer_back(
    server: Server, emulator: EmulatorHandle, browser: object
) -> None:
    tenant = server.tenant("acme")
    branding = {
        "productName": "Acme <script>alert('owned')</script>",
        "logo": PNG,
        "primaryColor": "#ff6600",
        "supportUrl": "https://help.acme.example/ashby",
        "allowedRedirectUrls": [RETURN_TO],
    }
    assert tenant.put("/branding", json=branding).status_code == 200
    link = tenant.post(
        "/connect-links",
        json={
            "ownerId": "customer-9",
            "operations": ["genericContact::list", "atsJob::create"],
            "redirectUrl": RETURN_TO,
        },
    )
    assert link.status_code == 201, link.text
    context = browser.new_context(java_script_enabled=True)  # type: ignore[attr-defined]
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(link.json()["url"])

    assert page.inner_text("h1") == "Connect Ashby to Acme <script>alert('owned')</script>"
    assert page.locator("script").count() == 0 and dialogs == []
    assert page.locator("img.logo").get_attribute("src") == PNG
    button = page.locator("button[type=submit]")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(255, 102, 0)"
    asks = page.locator("main li").all_inner_texts()
    assert asks == ["see all candidates", "add jobs"]
    assert "genericContact" not in page.content()
    assert page.locator("footer a").get_attribute("href") == "https://help.acme.example/ashby"

    page.fill("input[name=apiKey]", "not-a-key")
    page.click("button[type=submit]")
    alert = page.locator("[role=alert]")
    assert "Ashby did not accept this key" in alert.inner_text()
    assert page.locator("input[name=apiKey]").is_visible()  # the form again, to retry

    page.fill("input[name=apiKey]", emulator.api_key)
    page.click("button[type=submit]")
    assert page.inner_text("h1") == "Ashby connected"
    assert "see all candidates" in page.inner_text("main")
    back = page.locator("a.back")
    assert back.get_attribute("href") == RETURN_TO
    assert back.inner_text() == "Back to Acme <script>alert('owned')</script>"
    assert dialogs == []
    context.close()
    connections = tenant.get("/connections").json()["data"]
    assert [c["ownerId"] for c in connections] == ["customer-9"]
