"""A connection that requested one model touches nothing else: every route of the server and every
background path (manual, scheduled and webhook-triggered syncs, fast-lane polls, lazy child lists,
unified events, webhook registration, assessment reports) against the emulator over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from ashby_connector.core.connections.requested_operations import WEBHOOKS, OperationNotRequested
from ashby_connector.emulator import EmulatorHandle, run_emulator
from ashby_connector.store.schema import record_table
from ashby_connector.store.schema_webhooks import webhook_outbox
from ashby_connector.sync.streams import all_streams
from ashby_connector.webhooks.actions import kinds_of
from tests.e2e.server_harness import Server, run_server

ONE_MODEL = ["genericContact::list"]


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorHandle]:
    with run_emulator(seed=25, candidates=12, rate_limit_per_minute=None) as handle:
        yield handle


@pytest.fixture(scope="module")
def server(emu: EmulatorHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("req") / "server.db"
    with run_server(emu.base_url, f"sqlite:///{db}", scheduler="off") as srv:
        yield srv


def _connect(tenant: httpx.Client, key: str, operations: list[str] | None) -> str:
    body: dict[str, Any] = {"ownerId": "o", "apiKey": key}
    if operations is not None:
        body["operations"] = operations
    answer = tenant.post("/connections", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _kinds_stored(server: Server, connection_id: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    with server.core.store.engine.connect() as conn:
        for stream in all_streams():
            table = record_table(stream.kind)
            n = conn.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.connection_id == connection_id)
            ).scalar_one()
            if n:
                counts[stream.kind] = int(n)
    return counts


def _sync(server: Server, connection_id: str, **kwargs: Any) -> Any:
    job = server.core.syncs.runner.submit(connection_id, **kwargs)
    return server.core.syncs.wait(job.id, 120)


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), path)


def test_one_requested_model_reaches_nothing_else(server: Server, emu: EmulatorHandle) -> None:
    core = server.core
    tenant = server.tenant("one-model")
    full = _connect(tenant, emu.api_key, None)
    one = _connect(tenant, emu.api_key, ONE_MODEL)
    list_ops = {s.kind: s.operation for s in all_streams()}

    # What only other models reveal: read through the unrestricted connection.
    _sync(server, full, trigger="manual")
    full_kinds = _kinds_stored(server, full)
    assert len(full_kinds) > 10, full_kinds
    tenant.headers["X-Connection-Id"] = full
    jobs = tenant.get("/resources/atsJob", params={"limit": 100}).json()["data"]
    users = tenant.get("/resources/genericUser", params={"limit": 100, "includeRemoteData": "true"}).json()[
        "data"
    ]
    job_id = jobs[0]["id"]
    tenant.headers["X-Connection-Id"] = one

    # Every background sync path copies the candidates and nothing else.
    for kwargs in (
        {"trigger": "manual"},
        {"trigger": "schedule", "mode": "reconcile"},
        {"trigger": "webhook", "streams": ["job", "user"]},
    ):
        _sync(server, one, **kwargs)
    core.syncs.runner.service.poll(one, ["job", "application", "candidate"])
    stored = _kinds_stored(server, one)
    assert stored.get("candidate"), stored
    assert {list_ops[k] for k in stored} == {"candidate.list"}, stored

    # Lazy child lists of a candidate are fetched only when their list was requested.
    candidate_id = tenant.get("/resources/genericContact", params={"limit": 1}).json()["data"][0]["id"]
    lazy = [s.name for s in core.lazy_children.streams.values() if s.parent == "candidate"]
    assert lazy
    requested = core.lazy_children.requested_for(one)
    assert not any(requested.permits(core.lazy_children.streams[n].operation) for n in lazy)

    # Events: changes of any kind reach the subscriber only as genericContact events.
    sub = tenant.post("/subscriptions", json={"url": "http://127.0.0.1:9/hook", "connectionId": one})
    assert sub.status_code == 201, sub.text
    core.events.notify(one, "job", [("updated", {"id": job_id, "title": "t"})])
    core.events.notify(one, "candidate", [("updated", {"id": candidate_id, "name": "n"})])
    with core.store.engine.connect() as conn:
        types = set(
            conn.execute(
                sa.select(webhook_outbox.c.event_type).where(webhook_outbox.c.connection_id == one)
            ).scalars()
        )
    assert types and {t.split(".")[0] for t in types} == {"genericContact"}, types

    # Ashby webhooks: not without the customer's consent, then only types carrying candidates.
    refused = tenant.post(f"/connections/{one}/webhooks", json={"url": "http://127.0.0.1:9"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "operation_not_requested"
    assert WEBHOOKS in refused.text
    hooked = _connect(tenant, emu.api_key, [*ONE_MODEL, WEBHOOKS])
    registered = tenant.post(f"/connections/{hooked}/webhooks", json={"url": "http://127.0.0.1:9"})
    assert registered.status_code == 200, registered.text
    got = {w["webhookType"] for w in registered.json()["webhooks"]}
    assert got and all(set(kinds_of(t)) == {"candidate"} for t in got), got
    job_hooks = tenant.post(
        f"/connections/{hooked}/webhooks", json={"url": "http://127.0.0.1:9", "types": ["jobUpdate"]}
    )
    assert job_hooks.status_code == 403, job_hooks.text

    # Assessment reports write to Ashby: a requested operation too.
    with pytest.raises(OperationNotRequested):
        core._report_caller(one)("assessment.addCompletedToCandidate", {})

    # Every route with this connection: never a server error, never another model's data.
    secrets = {j["id"] for j in jobs} | {u["remoteData"].get("email") or u["id"] for u in users}
    allowed_text = tenant.get("/resources/genericContact", params={"limit": 100}).text
    secrets = {s for s in secrets if s and s not in allowed_text}
    assert secrets
    paths = httpx.get(server.url + "/openapi.json").json()["paths"]
    values = {
        "connection_id": one,
        "model": "atsJob",
        "record_id": job_id,
        "operation": "job.list",
        "name": "custom",
    }
    walked = 0
    for path, methods in paths.items():
        for method in methods:
            if method == "delete" and path == "/connections/{connection_id}":
                continue  # the end of the connection, not a read
            if path.startswith("/partner/"):
                continue  # Ashby calls it with the partner key: no connection's data answered
            answer = tenant.request(method.upper(), _fill(path, values), json={})
            walked += 1
            assert answer.status_code < 500, (method, path, answer.text)
            leaked = [s for s in secrets if s in answer.text]
            assert not leaked, (method, path, leaked)
    assert walked > 40

    # The routes that read Ashby data refuse, naming what to request.
    checks = [
        ("GET", "/resources/atsJob", None),
        ("GET", f"/resources/atsJob/{job_id}", None),
        ("POST", "/proxy/job.list", {}),
        ("POST", "/syncs", {"streams": ["job"]}),
        (
            "POST",
            f"/connections/{one}/users/role-gaps",
            {"desired": [{"email": "a@b.c", "role": "Limited Access"}]},
        ),
    ]
    for method, path, body in checks:
        answer = tenant.request(method, path, json=body)
        assert answer.status_code == 403, (path, answer.text)
        assert answer.json()["error"]["code"] == "operation_not_requested"
