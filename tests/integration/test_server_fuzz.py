"""Schemathesis over the server's own OpenAPI document: whatever the input, never a 5xx
(501 "Ashby cannot do this" is the one designed 5xx).

Ashby is the fake behind httpx.MockTransport (fast, no sockets); examples per operation are
bounded so the whole run takes seconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ashby_connector.store import Store
from tests.integration.server_fakes import FakeAshby, harness

EXAMPLES = 25


def test_openapi_document_and_docs_are_served(tmp_path: Path) -> None:
    with harness(tmp_path) as h:
        doc = h.http.get("/openapi.json").json()
        assert {"/resources/{model}", "/proxy/{operation}", "/connections", "/syncs"} <= set(doc["paths"])
        assert h.http.get("/docs").status_code == 200
        schemas = doc["components"]["schemas"]
        assert schemas["atsJob"]["properties"]["status"]
        assert "OPEN" in str(schemas["JobStatus"])


def test_fuzz_every_operation_never_answers_5xx(tmp_path: Path) -> None:
    ashby = FakeAshby(
        scopes=["candidatesRead", "jobsRead"], results={"job.list": [], "candidate.info": {"id": "c"}}
    )
    with harness(tmp_path, ashby) as h:
        headers = h.connection(h.tenant())
        store: Store = h.core.store
        connection_id = headers["X-Connection-Id"]
        store.upsert_records(connection_id, "job", [{"id": "j1", "title": "T", "status": "Open"}])
        store.upsert_records(
            connection_id,
            "candidate",
            [{"id": "c1", "name": "N", "fileHandles": [{"id": "f1", "name": "cv.pdf", "handle": "h"}]}],
        )
        sub = h.http.post("/subscriptions", json={"url": "http://127.0.0.1:1/x"}, headers=headers).json()
        # Links between operations: ids one answer gives that another takes. Half the cases use
        # them, so the fuzzing reaches past the 404 of an unknown id into the handlers.
        real_ids = {
            "connection_id": [connection_id],
            "subscription_id": [sub["id"]],
            "model": ["atsJob", "atsCandidate", "atsAttachment", "genericContact", "atsApplication"],
            "record_id": ["j1", "c1", "f1"],
            "name": ["myModel"],
        }
        schema = schemathesis.openapi.from_asgi("/openapi.json", h.http.app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 15
        failures: list[str] = []
        for operation in operations:
            if operation.method.upper() == "DELETE" and operation.path in (
                "/connections/{connection_id}",
                "/subscriptions/{subscription_id}",
            ):
                continue  # would delete what the other operations use

            @given(case=operation.as_strategy(), with_auth=st.booleans(), linked=st.data())
            @settings(
                max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
            )
            def check(case: schemathesis.Case, with_auth: bool, linked: st.DataObject) -> None:
                for name in list(case.path_parameters or {}):
                    if name in real_ids and linked.draw(st.booleans()):
                        case.path_parameters[name] = linked.draw(st.sampled_from(real_ids[name]))
                response = case.call(headers=headers if with_auth else {})
                # 501 is the designed answer for what Ashby cannot do; anything else 5xx is a bug.
                if response.status_code >= 500 and response.status_code != 501:
                    failures.append(
                        f"{case.method} {case.formatted_path} -> {response.status_code}: "
                        f"{response.text[:200]}"
                    )

            check()
        assert failures == []


@pytest.mark.parametrize("path", ["/resources/%00", "/resources/atsJob/%ff%fe", "/proxy/%2e%2e%2f"])
def test_odd_paths_are_4xx(tmp_path: Path, path: str) -> None:
    with harness(tmp_path) as h:
        headers = h.connection(h.tenant())
        answer = h.http.request("POST" if path.startswith("/proxy") else "GET", path, headers=headers)
        assert 400 <= answer.status_code < 500
