"""The operator console in headless Chromium (Debian's ``chromium``, installed by ``make test``):
an operator signs in with a platform key, finds the connection whose key Ashby refuses and why,
changes its schedule (a bad value first), syncs another one and watches the run finish without a
reload, replays an event delivery that failed, and signs out. Another tenant's connection is a
404, and a form posted without its CSRF token changes nothing.

Screenshots of every page, at 1280 and 390 px wide, go to ``$CONSOLE_SCREENSHOTS`` (docs/console.md
shows them: ``CONSOLE_SCREENSHOTS=docs/images/console pytest tests/e2e/test_console_browser.py``).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from ashby_connector.emulator import EmulatorHandle
from ashby_connector.webhooks.backoff import Backoff
from ashby_connector.webhooks.service import WebhookOptions
from tests.e2e.chromium import launched
from tests.e2e.server_harness import Server, run_server
from tests.outbound import LOCAL_RECEIVERS

WIDTHS = {"wide": 1280, "phone": 390}


class Receiver:
    """A subscriber's endpoint on 127.0.0.1 answering ``status`` to every delivery."""

    def __init__(self) -> None:
        self.status = 500
        self.received = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received += 1
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/hook"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


def wait_for(check: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def server(emulator: EmulatorHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("console") / "server.db"
    # Two quick attempts, so a delivery fails for good within the test.
    options = WebhookOptions(
        outbound=LOCAL_RECEIVERS, delivery_backoff=Backoff(base_seconds=0.05, max_attempts=2)
    )
    with run_server(emulator.base_url, f"sqlite:///{db}", webhook_options=options) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched() as chromium:
        yield chromium


@pytest.fixture
def shots(tmp_path: Path) -> Callable[[Any, str], None]:
    folder = Path(os.environ.get("CONSOLE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(page: Any, name: str) -> None:
        for label, width in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
        page.set_viewport_size({"width": WIDTHS["wide"], "height": 900})

    return shoot


def _connect(server: Server, http: Any, owner: str, key: str) -> str:
    answer = http.post("/connections", json={"ownerId": owner, "apiKey": key})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _sync(server: Server, connection_id: str, streams: list[str] | None = None) -> dict[str, Any]:
    run = server.core.syncs.start(connection_id, streams=streams)
    server.core.syncs.wait(run["id"], 120)
    found = server.core.syncs.history.get(run["id"])
    assert found is not None
    return found.to_api()


def test_an_operator_finds_a_broken_connection_steers_syncs_and_replays_a_delivery(
    server: Server,
    emulator: EmulatorHandle,
    browser: Any,
    receiver: Receiver,
    shots: Callable[[Any, str], None],
) -> None:
    core = server.core
    tenant_id, platform_key = core.tenancy.create_platform_key("Acme operations")
    http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {platform_key}"}, timeout=30)
    good_key = emulator.control.add_key(title="Acme production")
    broken_key = emulator.control.add_key(title="Acme old key")
    good = _connect(server, http, "acme-eu", good_key)
    broken = _connect(server, http, "acme-us", broken_key)
    subscription = http.post(
        "/subscriptions", json={"url": receiver.url, "events": ["sync.finished"], "connectionId": good}
    )
    assert subscription.status_code == 201, subscription.text
    assert _sync(server, good, ["job", "department"])["status"] == "succeeded"
    # The customer deactivates the key in Ashby: the next run is refused.
    emulator.control.add_key(key=broken_key, title="Acme old key", enabled=False)
    failed = _sync(server, broken, ["job"])
    assert failed["status"] == "failed"
    # The sync.finished event of the good connection fails for good (the receiver answers 500).
    events = wait_for(
        lambda: [
            e for e in core.deliveries.events(tenant_id, subscription.json()["id"]) if e["status"] == "failed"
        ],
        "a failed delivery",
    )
    branded = http.put("/branding", json={"productName": "Acme Ops", "primaryColor": "#ff6600"})
    assert branded.status_code == 200, branded.text
    # The REST API answers the same health and deliveries.
    attention = http.get("/connections", params={"health": "attention", "owner": "-us"}).json()["data"]
    assert [(c["id"], c["health"]["code"]) for c in attention] == [(broken, "key_refused")]
    listed = http.get(f"/subscriptions/{subscription.json()['id']}/events", params={"status": "failed"})
    assert [e["lastStatusCode"] for e in listed.json()["results"]] == [500]
    unknown = http.post(f"/subscriptions/{subscription.json()['id']}/events/999999/replay")
    assert unknown.status_code == 404
    assert http.get(f"/connections/{good}/webhooks/received").json() == {"results": []}
    # Another tenant and its connection.
    other = server.tenant("globex")
    other_conn = _connect(server, other, "globex-secret-owner", emulator.control.add_key(title="Globex"))

    context = browser.new_context(viewport={"width": WIDTHS["wide"], "height": 900})
    page = context.new_page()

    # A browser asking for / lands on the sign-in page; a bad key is refused and not shown back.
    page.goto(server.url + "/")
    assert page.url.endswith("/console/sign-in")
    shots(page, "sign-in")
    page.fill("#key", "ack_not-a-real-key")
    page.click("button[type=submit]")
    assert "unknown or revoked" in page.inner_text("#key-error")
    assert page.input_value("#key") == ""
    # From the keyboard: the key field has the focus; Enter signs in.
    assert page.evaluate("document.activeElement.id") == "key"
    page.keyboard.type(platform_key)
    page.keyboard.press("Enter")
    page.wait_for_url(server.url + "/console")
    assert platform_key not in page.content() and platform_key not in page.url
    cookie = next(c for c in context.cookies() if c["name"] == "ashby_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and platform_key not in cookie["value"]

    # The tenant's branding applies.
    assert page.inner_text(".brand") == "Acme Ops console"
    assert page.locator("button", has_text="Show").evaluate("b => getComputedStyle(b).backgroundColor") == (
        "rgb(255, 102, 0)"
    )

    # The list: the broken connection needs attention, and says why in plain words.
    row = page.locator("tr", has_text="acme-us")
    assert "needs attention" in row.inner_text()
    assert "Ashby refused the key: it was revoked or rotated in Ashby" in row.inner_text()
    # The other one syncs fine, but its sync.finished event never reached the subscriber.
    assert "1 event delivery is failing" in page.locator("tr", has_text="acme-eu").inner_text()
    assert "globex" not in page.content()
    shots(page, "connections")
    page.fill("#owner", "-us")
    page.select_option("#health", "attention")
    page.click(".filters button[type=submit]")
    assert page.locator("tbody tr").count() == 1 and "acme-us" in page.inner_text("tbody")

    # Its page: the run's error text, then a schedule change (a bad value first: nothing stored).
    page.click("text=acme-us")
    page.wait_for_url(f"**/console/connections/{broken}")
    assert "the API key was refused by Ashby (invalid_api_key)" in page.inner_text("table.runs")
    before = core.freshness.schedules.get(broken).incremental_every_minutes
    page.fill("#every", "every now and then")
    page.click("button[value=save]")
    assert "Enter a number of minutes" in page.inner_text("#every-error")
    assert page.input_value("#every") == "every now and then"
    assert core.freshness.schedules.get(broken).incremental_every_minutes == before
    shots(page, "connection-bad-value")
    page.fill("#every", "45")
    page.click("button[value=save]")
    assert "Schedule saved." in page.inner_text(".flash")
    assert core.freshness.schedules.get(broken).incremental_every_minutes == 45
    page.click("button[value=pause]")
    assert core.freshness.schedules.get(broken).paused
    shots(page, "connection-broken")

    # A form posted without its CSRF token is refused and changes nothing.
    refused = page.evaluate(
        "async (url) => (await fetch(url, {method: 'POST', body: new URLSearchParams({every: '5'})})).status",
        f"/console/connections/{broken}/schedule",
    )
    assert refused == 403
    assert core.freshness.schedules.get(broken).incremental_every_minutes == 45

    # Sync now: the run appears and finishes while the page stays (no reload). The subscriber is
    # back up from here on: this run's event gets through, the earlier one stays failed.
    receiver.status = 204
    page.goto(f"{server.url}/console/connections/{good}")
    page.evaluate("window.stillHere = 'yes'")
    page.check("input[name=streams][value=job]")
    page.click("button[value=now]")
    page.wait_for_selector("tr.run.succeeded:has-text('console')", timeout=60_000)
    assert page.evaluate("window.stillHere") == "yes"
    runs = core.syncs.history.page([good], trigger="console").runs
    assert [r.status for r in runs] == ["succeeded"] and runs[0].streams == ["job"]
    shots(page, "connection")
    # Force resync of the chosen list: a full run, also recorded with trigger console.
    page.click("button[value=full]")
    # Two rows read "full: job": the connection's first sync (a first run is recorded as full)
    # and this one.
    page.wait_for_function(
        "() => [...document.querySelectorAll('tr.run.succeeded')]"
        ".filter(r => r.textContent.includes('full: job')).length >= 2",
        timeout=60_000,
    )
    runs = core.syncs.history.page([good], trigger="console").runs
    assert [(r.mode, r.status) for r in runs] == [("full", "succeeded"), ("incremental", "succeeded")]
    assert page.evaluate("window.stillHere") == "yes"

    # Event subscriptions: the failed delivery, its last answer, and a replay that gets through.
    page.goto(f"{server.url}/console/subscriptions")
    failed_row = page.locator(f"tr[data-event='{events[0]['id']}']")
    assert "failed" in failed_row.inner_text() and "HTTP 500" in failed_row.inner_text()
    shots(page, "subscriptions")
    # The list, open in another tab, follows: its badge turns healthy once the replay got through.
    listing = context.new_page()
    listing.goto(f"{server.url}/console")
    assert "needs attention" in listing.locator("tr", has_text="acme-eu").inner_text()
    listing.evaluate("window.stillHere = 'yes'")
    failed_row.locator("button", has_text="Replay").click()
    assert "The event is queued again." in page.inner_text(".flash")
    wait_for(
        lambda: any(
            e["id"] == events[0]["id"] and e["status"] == "delivered"
            for e in core.deliveries.events(tenant_id, subscription.json()["id"])
        ),
        "the replayed delivery",
    )
    page.reload()
    assert "delivered" in page.locator(f"tr[data-event='{events[0]['id']}']").inner_text()
    listing.wait_for_selector("tr:has-text('acme-eu') .badge.healthy", timeout=30_000)
    assert listing.evaluate("window.stillHere") == "yes"
    listing.close()
    # With the deliveries through, the connection is healthy again (its page shows it).
    page.goto(f"{server.url}/console/connections/{good}")
    assert page.inner_text("#health-h").endswith("healthy")

    # Another tenant's connection is a 404 that tells nothing about it.
    answer = page.goto(f"{server.url}/console/connections/{other_conn}")
    assert answer is not None and answer.status == 404
    assert "globex" not in page.content()
    shots(page, "not-found")

    # Sign out: the session ends.
    page.goto(f"{server.url}/console")
    page.click("button:has-text('Sign out')")
    page.wait_for_url("**/console/sign-in?done=signed-out")
    assert "You are signed out." in page.inner_text(".flash")
    page.goto(f"{server.url}/console")
    assert page.url.endswith("/console/sign-in")
    context.close()
    http.close()
    other.close()
