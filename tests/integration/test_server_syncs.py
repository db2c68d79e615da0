"""``/syncs`` on the server's embedded runner: one sync per connection, status mirrored to the table."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from tests.integration.server_fakes import FakeAshby, harness


def test_second_sync_of_a_running_connection_is_refused_then_allowed(tmp_path: Path) -> None:
    release = threading.Event()

    def handler(operation: str, body: dict[str, Any]) -> Any:
        if operation == "department.list":
            release.wait(10)  # hold the first sync inside its only stream
            return [{"id": "d1", "name": "Eng", "updatedAt": "2024-01-01T00:00:00Z"}]
        return None

    ashby = FakeAshby(scopes=None, handler=handler)
    with harness(tmp_path, ashby) as h:
        conn = h.connection(h.tenant())
        first = h.http.post("/syncs", json={"streams": ["department"]}, headers=conn)
        assert first.status_code == 202, first.text
        second = h.http.post("/syncs", json={"streams": ["department"]}, headers=conn)
        assert second.status_code == 409 and second.json()["error"]["code"] == "sync_running"
        release.set()
        run_id = first.json()["id"]
        deadline = time.monotonic() + 10
        while (run := h.http.get(f"/syncs/{run_id}", headers=conn).json())["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, run
            time.sleep(0.02)
        assert run["status"] == "succeeded", run
        assert h.core.store.get(conn["X-Connection-Id"], "department", "d1") is not None
        again = h.http.post("/syncs", json={"streams": ["department"]}, headers=conn)
        assert again.status_code == 202, again.text
        assert h.core.syncs.wait(again.json()["id"], 10).status == "succeeded"


def test_the_sync_run_answer_is_camel_case_throughout() -> None:
    from ashby_connector.core.syncs.history import camel_keys

    stored = {"connection_id": "c", "usable_after": 1.5, "child_policies": {"candidateNote": "lazy"},
              "streams": [{"stream": "candidate", "notes": []}], "missing_permissions": []}  # fmt: skip
    assert camel_keys(stored) == {
        "connectionId": "c",
        "usableAfter": 1.5,
        "childPolicies": {"candidateNote": "lazy"},
        "streams": [{"stream": "candidate", "notes": []}],
        "missingPermissions": [],
    }
