"""The console reads a fixed number of queries per page: the count does not grow with the
connections, runs or deliveries shown (no query per row)."""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from ashby_connector.server import create_app
from tests.console_data import Seeded, open_core, seed

PAGES = (
    "/console",
    "/console?health=attention&owner=owner-00",
    "/console/live/connections?page=1",
    "/console/connections/{id}",
    "/console/connections/{id}/live",
    "/console/subscriptions",
)


@contextmanager
def counting(engine: sa.Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


@contextmanager
def seeded_core(tmp_path: Path, name: str, *, connections: int, runs: int) -> Iterator[Seeded]:
    core = open_core(f"sqlite:///{tmp_path / name}.db")
    try:
        yield seed(core, connections=connections, runs=runs)
    finally:
        core.close()


def signed_in(seeded: Seeded) -> TestClient:
    client = TestClient(create_app(core=seeded.core))
    page = client.get("/console/sign-in")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    answer = client.post(
        "/console/sign-in", data={"csrf": csrf.group(1), "key": seeded.platform_key}, follow_redirects=False
    )
    assert answer.status_code == 303
    return client


def queries_per_page(tmp_path: Path, name: str, connections: int, runs: int) -> dict[str, int]:
    core = open_core(f"sqlite:///{tmp_path / name}.db")
    try:
        seeded = seed(core, connections=connections, runs=runs)
        # No lookup cache: every request looks its tenant up, so counts do not depend on timing.
        core.tenancy._cache.seconds = 0
        client = signed_in(seeded)
        out = {}
        for template in PAGES:
            url = template.format(id=seeded.connection_ids[0])
            assert client.get(url).status_code == 200, url  # warms the caches
            with counting(core.store.engine) as statements:
                answer = client.get(url)
            assert answer.status_code == 200, url
            out[template] = len(statements)
        return out
    finally:
        core.close()


@pytest.mark.timeout(300)
def test_no_page_runs_a_query_per_row(tmp_path: Path) -> None:
    few = queries_per_page(tmp_path, "few", connections=3, runs=30)
    many = queries_per_page(tmp_path, "many", connections=60, runs=3000)
    assert many == few
    # And the list of every connection is a handful of queries, not one per connection.
    assert few["/console"] <= 20, few


def test_the_platform_key_is_never_logged_shown_or_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with seeded_core(tmp_path, "keys", connections=1, runs=1) as seeded:
        with caplog.at_level(logging.DEBUG):
            client = signed_in(seeded)
            page = client.get("/console")
            wrong = client.post("/console/sign-in", data={"key": seeded.platform_key + "x"})
        assert page.status_code == 200 and seeded.platform_key not in page.text
        assert wrong.status_code == 403  # no CSRF token: refused before the key is even read
        assert seeded.platform_key not in caplog.text
        cookie = client.cookies.get("ashby_console") or ""
        assert cookie and seeded.platform_key not in cookie
        assert seeded.platform_key[4:] not in base64.urlsafe_b64decode(cookie.split(".")[0]).decode()


def test_connections_come_in_pages_of_fifty_and_a_partner_shows_its_assessments(tmp_path: Path) -> None:
    with seeded_core(tmp_path, "pages", connections=120, runs=120) as seeded:
        partner = seeded.connection_ids[0]
        seeded.core.assessments.create_partner(
            partner, key_hash="0" * 64, partner_id=None, assessment_types=[], custom_fields=None
        )
        client = signed_in(seeded)
        links = re.compile(r'href="/console/connections/(conn_\w+)"')
        first, last = client.get("/console").text, client.get("/console?page=3").text
        assert len(links.findall(first)) == 50 and "Page 1 of 3" in first
        assert len(links.findall(last)) == 20 and "Page 3 of 3" in last
        assert not set(links.findall(first)) & set(links.findall(last))
        # A page past the last shows the last one.
        assert "Page 3 of 3" in client.get("/console?page=99").text
        assert "assessment partner" in client.get(f"/console/connections/{partner}").text
        assert "Assessments" not in client.get(f"/console/connections/{seeded.connection_ids[1]}").text


def test_an_interval_out_of_range_is_refused_next_to_its_field_and_nothing_is_stored(tmp_path: Path) -> None:
    with seeded_core(tmp_path, "bounds", connections=1, runs=1) as seeded:
        connection_id = seeded.connection_ids[0]
        client = signed_in(seeded)
        before = seeded.core.freshness.schedules.get(connection_id)
        page = client.get(f"/console/connections/{connection_id}").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf is not None
        answer = client.post(
            f"/console/connections/{connection_id}/schedule",
            data={"csrf": csrf.group(1), "action": "save", "every": "0"},
        )
        assert answer.status_code == 422
        assert 'id="every-error">The interval must be a number from' in answer.text
        assert 'value="0"' in answer.text
        after = seeded.core.freshness.schedules.get(connection_id)
        assert (after.incremental_every_minutes, after.stored) == (
            before.incremental_every_minutes,
            before.stored,
        )


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_session_cookie_is_httponly_strict_and_secure_over_https(tmp_path: Path, scheme: str) -> None:
    with seeded_core(tmp_path, "cookie", connections=1, runs=1) as seeded:
        client = TestClient(create_app(core=seeded.core), base_url=f"{scheme}://testserver")
        header = client.get("/console/sign-in").headers["set-cookie"].lower()
        assert "httponly" in header and "samesite=strict" in header and "path=/console" in header
        assert "max-age=" in header
        assert ("secure" in header.replace("samesite", "")) == (scheme == "https")
