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
from tests.unit.server_fakes import FakeAshby, harness

EXAMPLES = 12


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
        store.upsert_records(
            headers["X-Connection-Id"], "job", [{"id": "j1", "title": "T", "status": "Open"}]
        )
        schema = schemathesis.openapi.from_asgi("/openapi.json", h.http.app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 10
        failures: list[str] = []
        for operation in operations:
            if (
                operation.path.startswith("/connections/{connection_id}")
                and operation.method.upper() == "DELETE"
            ):
                continue  # would delete the connection the other operations use

            @given(case=operation.as_strategy(), with_auth=st.booleans())
            @settings(
                max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
            )
            def check(case: schemathesis.Case, with_auth: bool) -> None:
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
