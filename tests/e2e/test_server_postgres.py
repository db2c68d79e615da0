"""The server on PostgreSQL: tenancy tables, records, custom models and connection deletion."""

from __future__ import annotations

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
        put = http.put(f"/connections/{cid}/custom-models/plans",
                       json={"operation": "interviewPlan.list", "fields": {"title": "title"}})
        assert put.status_code == 200
        assert http.get("/resources/plans").json()["data"]
        assert http.delete(f"/connections/{cid}").status_code == 204
        assert server.ctx.store.count(cid, "candidate", include_deleted=True) == 0
        http.close()
