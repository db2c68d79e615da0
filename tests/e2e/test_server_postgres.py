"""The server on PostgreSQL: tenancy tables, records, custom models and connection deletion."""

from __future__ import annotations

from typing import Any

import pytest

from ashby_connector.emulator import EmulatorHandle
from tests.e2e.server_harness import run_server

pytestmark = pytest.mark.postgres


def test_server_on_postgres(emulator: EmulatorHandle, postgres_db: str) -> None:
    with run_server(emulator.base_url, postgres_db) as server:
        http = server.tenant("pg")
        cid = server.connect(http, emulator.api_key)
        http.headers["X-Connection-Id"] = cid
        page = http.get("/resources/atsCandidate", params={"limit": 5, "includeRemoteData": "true"}).json()
        assert len(page["data"]) == 5 and page["next"]
        one = page["data"][0]
        assert http.get(f"/resources/atsCandidate/{one['id']}").json()["data"]["name"] == one["name"]
        jobs = http.get("/resources/atsJob", params={"status": "OPEN", "limit": 100}).json()["data"]
        assert all(j["status"] == "OPEN" for j in jobs)
        # createdAfter and q narrowed in SQL (jsonb) give what the exact check gives.
        everyone = _all(http, {})
        pivot = sorted(c["createdAt"] for c in everyone)[len(everyone) // 2]
        later = _all(http, {"createdAfter": pivot})
        assert [c["id"] for c in later] == [c["id"] for c in everyone if c["createdAt"] > pivot]
        needle = one["name"].split()[-1].upper()
        found = [c["id"] for c in _all(http, {"q": needle})]
        assert found == [
            c["id"]
            for c in everyone
            if any(needle.casefold() in (c.get(f) or "").casefold() for f in ("name", "email", "company"))
        ]
        app = http.get("/resources/atsApplication", params={"limit": 1}).json()["data"][0]
        mine = http.get("/resources/atsApplication", params={"limit": 100, "candidateId": app["candidateId"]})
        assert app["id"] in [a["id"] for a in mine.json()["data"]]
        assert all(a["candidateId"] == app["candidateId"] for a in mine.json()["data"])
        put = http.put(
            f"/connections/{cid}/custom-models/plans",
            json={"operation": "interviewPlan.list", "fields": {"title": "title"}},
        )
        assert put.status_code == 200
        assert http.get("/resources/plans").json()["data"]
        assert http.delete(f"/connections/{cid}").status_code == 204
        assert server.core.store.count(cid, "candidate", include_deleted=True) == 0
        http.close()


def _all(http: Any, params: dict[str, str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = http.get("/resources/atsCandidate", params={"limit": 100, **params, "cursor": cursor or ""})
        out += page.json()["data"]
        cursor = page.json()["next"]
        if not cursor:
            return out
