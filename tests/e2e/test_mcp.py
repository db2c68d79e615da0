"""The MCP server, through the SDK's own client, over HTTP (``/mcp`` on the REST server) and over
stdio (``ashby-connector mcp``), against a synced emulated organisation: every tool is called and
its answer compared with the emulator's data and the store; refusals name the operation or field;
another tenant's connection cannot be named; writes exist only when asked for."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from cryptography.fernet import Fernet
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from ashby_connector.client import AshbyClient
from ashby_connector.emulator import EmulatorHandle, run_emulator
from ashby_connector.sync import SyncEngine
from tests.e2e.server_harness import Server, run_server
from tests.outbound import LOCAL_ENV

READ_TOOLS = {
    "search_candidates",
    "candidate_timeline",
    "job_pipeline",
    "stale_applications",
    "upcoming_interviews",
    "open_jobs",
    "pending_offers",
}
WRITE_TOOLS = {"add_note", "move_stage", "add_tag"}
MASTER_KEY = Fernet.generate_key().decode()


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorHandle]:
    with run_emulator(seed=23, candidates=40, rate_limit_per_minute=None) as handle:
        yield handle


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('mcp') / 'server.db'}"


@pytest.fixture(scope="module")
def server(emu: EmulatorHandle, db_url: str) -> Iterator[Server]:
    # The app's startup runs (it starts /mcp); no scheduler, so no sync runs during the tool calls.
    with run_server(emu.base_url, db_url, lifespan="on", scheduler="off", master_key=MASTER_KEY) as srv:
        yield srv


@pytest.fixture(scope="module")
def tenant(server: Server, emu: EmulatorHandle) -> tuple[httpx.Client, str]:
    """A tenant's REST client and its synced connection (every child list fetched)."""
    http = server.tenant("agents")
    connection_id = server.connect(http, emu.api_key)
    http.headers["X-Connection-Id"] = connection_id
    return http, connection_id


@pytest.fixture(scope="module")
def ashby(emu: EmulatorHandle) -> Iterator[AshbyClient]:
    with AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None) as client:
        yield client


def over_http(server: Server, key: str, connection_id: str) -> Any:
    headers = {"Authorization": f"Bearer {key}", "X-Connection-Id": connection_id}
    return streamable_http_client(f"{server.url}/mcp", http_client=httpx2.AsyncClient(headers=headers))


def key_of(http: httpx.Client) -> str:
    return str(http.headers["Authorization"]).partition(" ")[2]


async def session(target: Any, calls: list[tuple[str, dict[str, Any]]]) -> tuple[set[str], list[Any]]:
    """The tool names listed, and each call's result, through one SDK client."""
    async with Client(target) as client:
        listed = {t.name for t in (await client.list_tools()).tools}
        return listed, [await client.call_tool(name, args) for name, args in calls]


def answer(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content[0].text
    data: dict[str, Any] = json.loads(result.content[0].text)
    return data


def error_text(result: Any) -> str:
    assert result.is_error
    text: str = result.content[0].text
    assert "Traceback" not in text
    return text


def test_every_tool_over_http_answers_from_the_copy(
    server: Server, tenant: tuple[httpx.Client, str], emu: EmulatorHandle, ashby: AshbyClient
) -> None:
    http, connection_id = tenant
    store = server.core.store
    apps = ashby.call("application.list", {})
    candidate = next(c for c in ashby.call("candidate.list", {}) if len(c.get("applicationIds") or []) >= 1)
    busiest = Counter(a["job"]["id"] for a in apps).most_common(1)[0][0]
    users = [u["id"] for u in ashby.call("user.list", {})]
    schedules = ashby.call("interviewSchedule.list", {})
    events = [(e, s) for s in schedules for e in s.get("interviewEvents") or []]
    # The organisation's interviews lie in the past: the core's clock is pinned before the middle
    # of them, so half are "upcoming".
    starts = sorted(when(e["startTime"]) for e, _ in events)
    pinned = starts[len(starts) // 2] - timedelta(days=1)
    server.core.insights.clock = pinned.timestamp
    busy = Counter(u for e, _ in events if when(e["startTime"]) >= pinned for u in e["interviewerUserIds"])
    users = [u for u, _ in busy.most_common(2)] + [u for u in users if u not in busy][:1]
    calls = [
        ("search_candidates", {"query": candidate["name"].split()[-1].upper()}),
        ("candidate_timeline", {"candidateId": candidate["id"]}),
        ("job_pipeline", {"jobId": busiest}),
        ("stale_applications", {"days": 1, "jobId": busiest}),
        ("upcoming_interviews", {"days": 365, "limit": 200}),
        ("open_jobs", {}),
        ("pending_offers", {"waitingOn": "any"}),
    ] + [("upcoming_interviews", {"userId": u, "days": 365, "limit": 200}) for u in users]
    before = sum(emu.emulator.requests_received.values())
    try:
        listed, results = asyncio.run(session(over_http(server, key_of(http), connection_id), calls))
    finally:
        server.core.insights.clock = time.time
    asked = sum(emu.emulator.requests_received.values()) - before
    assert asked == 0  # every child list was synced: nothing lazy to fetch, nothing asked of Ashby
    assert listed == READ_TOOLS  # the server runs without writes
    found, timeline, pipeline, stale, upcoming, jobs, offers = (answer(r) for r in results[:7])

    for data in (found, timeline, pipeline, stale, upcoming, jobs, offers):
        assert data["ashbyRequests"]["count"] == 0
        assert data["freshness"]["asOf"] is not None
    assert timeline["freshness"]["lastSuccessfulSync"]["applicationHistory"] is not None

    assert candidate["id"] in [c["id"] for c in found["candidates"]]
    assert all(
        candidate["name"].split()[-1].lower() in c["name"].lower() or c["emails"] for c in found["candidates"]
    )

    # The timeline has every stage move the emulator made, in time order.
    moves = [e for e in timeline["events"] if e["type"] == "stageMove"]
    truth = [
        h
        for a in candidate["applicationIds"]
        for h in ashby.call("application.listHistory", {"applicationId": a})
    ]
    assert sorted((m["applicationId"], m["stageId"], m["at"]) for m in moves) == sorted(
        (h.get("applicationId") or app_of(h, candidate, ashby), h["stageId"], h["enteredStageAt"])
        for h in truth
    )
    times = [e["at"] for e in timeline["events"] if e["at"]]
    assert times == sorted(times)
    notes = ashby.call("candidate.listNotes", {"candidateId": candidate["id"]})
    assert len([e for e in timeline["events"] if e["type"] == "note"]) == len(notes)

    # The pipeline's counts are the emulator's active applications per stage.
    active = Counter(
        a["currentInterviewStage"]["id"]
        for a in apps
        if a["job"]["id"] == busiest and a["status"] == "Active"
    )
    assert {
        s["stageId"]: s["activeApplications"] for s in pipeline["stages"] if s["activeApplications"]
    } == dict(active)
    assert pipeline["applications"] == sum(1 for a in apps if a["job"]["id"] == busiest)
    assert pipeline["historyCoverage"]["applicationsWithHistory"] == pipeline["applications"]

    # Stalled: the active applications of the job whose last stage entry is over a day old.
    cutoff = pinned - timedelta(days=1)
    expected = set()
    for app in apps:
        if app["job"]["id"] == busiest and app["status"] == "Active":
            history = ashby.call("application.listHistory", {"applicationId": app["id"]})
            last = max(h["enteredStageAt"] for h in history)
            if datetime.fromisoformat(last.replace("Z", "+00:00")) <= cutoff:
                expected.add(app["id"])
    assert {s["applicationId"] for s in stale["applications"]} == expected

    # Upcoming: the emulator's interviews starting within a year of the pinned now, not cancelled.
    def upcoming_ids(user: str | None) -> set[str]:
        end = pinned + timedelta(days=365)
        return {
            e["id"]
            for e, sched in events
            if pinned <= when(e["startTime"]) < end
            and sched["status"] != "Cancelled"
            and (user is None or user in e["interviewerUserIds"])
        }

    assert upcoming["count"] > 0
    assert {i["eventId"] for i in upcoming["interviews"]} == upcoming_ids(None)
    for (_, args), result in zip(calls[7:], results[7:], strict=True):
        assert {i["eventId"] for i in answer(result)["interviews"]} == upcoming_ids(args["userId"])

    open_ids = {j["id"] for j in ashby.call("job.list", {}) if j["status"] == "Open"}
    assert {j["id"] for j in jobs["jobs"]} == open_ids
    waiting = {"WaitingOnApprovalStart", "WaitingOnOfferApproval", "WaitingOnApprovalDefinition"}
    waiting |= {"WaitingOnCandidateResponse"}
    assert {o["offerId"] for o in offers["offers"]} == {
        o["id"] for o in ashby.call("offer.list", {}) if o["offerStatus"] in waiting
    }
    assert store.count(connection_id, "candidate") == len(ashby.call("candidate.list", {}))


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def app_of(entry: dict[str, Any], candidate: dict[str, Any], ashby: AshbyClient) -> str:
    """The application a history entry belongs to (Ashby's entries do not name it)."""
    for app_id in candidate["applicationIds"]:
        if any(
            h["id"] == entry["id"] for h in ashby.call("application.listHistory", {"applicationId": app_id})
        ):
            return str(app_id)
    raise AssertionError(entry)


def test_records_as_resources_match_the_rest_api(server: Server, tenant: tuple[httpx.Client, str]) -> None:
    http, connection_id = tenant
    candidate = http.get("/resources/atsCandidate", params={"limit": 1}).json()["data"][0]
    application = http.get("/resources/atsApplication", params={"limit": 1}).json()["data"][0]

    async def read() -> list[dict[str, Any]]:
        async with Client(over_http(server, key_of(http), connection_id)) as client:
            out = []
            for uri in (
                f"ashby://atsCandidate/{candidate['id']}",
                f"ashby://atsApplication/{application['id']}",
            ):
                result = await client.read_resource(uri)
                out.append(json.loads(result.contents[0].text))  # type: ignore[union-attr]
            return out

    as_candidate, as_application = asyncio.run(read())
    assert as_candidate == http.get(f"/resources/atsCandidate/{candidate['id']}").json()
    assert as_application == http.get(f"/resources/atsApplication/{application['id']}").json()


def test_refusals_name_the_operation_or_the_field(
    server: Server, tenant: tuple[httpx.Client, str], emu: EmulatorHandle
) -> None:
    http, _ = tenant
    # A connection that asked for candidate reads only.
    narrow = server.core.connections.create(
        server.tenant_of(http.headers["X-Connection-Id"]), "owner-2", emu.api_key, ["atsCandidate::list"]
    )
    job = (
        server.core.store.list(narrow.id, "job", limit=1).records
        or server.core.store.list(http.headers["X-Connection-Id"], "job", limit=1).records
    )
    calls = [
        ("job_pipeline", {"jobId": job[0].id}),
        ("pending_offers", {}),
        ("search_candidates", {"query": "a"}),
        ("stale_applications", {"days": 0}),
    ]
    _, results = asyncio.run(session(over_http(server, key_of(http), narrow.id), calls))
    assert "atsJob::retrieve" in error_text(results[0])
    assert "atsOffer::list" in error_text(results[1])
    assert not results[2].is_error  # what was requested answers
    _, wide = asyncio.run(
        session(over_http(server, key_of(http), http.headers["X-Connection-Id"]), calls[3:])
    )
    assert "days" in error_text(wide[0])


def test_another_tenant_cannot_name_a_connection(server: Server, tenant: tuple[httpx.Client, str]) -> None:
    _, connection_id = tenant
    other = server.tenant("someone-else")
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream", "X-Connection-Id": connection_id}
    refused = other.post("/mcp", json=body, headers=headers)
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "connection_not_found"
    anonymous = httpx.post(f"{server.url}/mcp", json=body, headers=headers)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["field"] == "Authorization"
    unnamed = other.post("/mcp", json=body, headers={"Accept": headers["Accept"]})
    assert unnamed.status_code == 400 and unnamed.json()["error"]["field"] == "X-Connection-Id"

    async def sdk() -> None:
        async with Client(over_http(server, key_of(other), connection_id)) as client:
            await client.list_tools()

    with pytest.raises(BaseException):  # noqa: B017 - the SDK's transport error, whatever its class
        asyncio.run(sdk())


def stdio(db_url: str, emu: EmulatorHandle, connection_id: str, *extra: str) -> StdioServerParameters:
    command = Path(sys.executable).with_name("ashby-connector")
    args = ["mcp", "--db", db_url, "--connection", connection_id, "--base-url", emu.base_url, *extra]
    env = {**os.environ, **LOCAL_ENV, "ASHBY_CONNECTOR_MASTER_KEY": MASTER_KEY}
    env.pop("ASHBY_CONNECTOR_MCP_WRITES", None)
    return StdioServerParameters(command=str(command), args=args, env=env)


def test_stdio_reads_and_has_no_writes_unless_asked(
    server: Server, tenant: tuple[httpx.Client, str], emu: EmulatorHandle, db_url: str
) -> None:
    _, connection_id = tenant
    store = server.core.store
    candidate = store.list(connection_id, "candidate", limit=1).records[0].raw
    job = store.list(connection_id, "job", limit=1).records[0].raw
    calls = [
        ("search_candidates", {"query": candidate["name"]}),
        ("candidate_timeline", {"candidateId": candidate["id"]}),
        ("job_pipeline", {"jobId": job["id"]}),
        ("stale_applications", {"days": 30, "jobId": job["id"]}),
        ("upcoming_interviews", {}),
        ("open_jobs", {}),
        ("pending_offers", {"waitingOn": "approval"}),
        ("candidate_timeline", {"candidateId": "no-such-candidate"}),
    ]
    before = sum(emu.emulator.requests_received.values())
    listed, results = asyncio.run(session(stdio(db_url, emu, connection_id), calls))
    assert sum(emu.emulator.requests_received.values()) == before
    assert listed == READ_TOOLS
    assert [c["id"] for c in answer(results[0])["candidates"]] == [candidate["id"]]
    for result in results[1:7]:
        assert answer(result)["freshness"]["asOf"] is not None
    assert "candidateId" in error_text(results[7])


def test_stdio_writes_when_on_and_requested(
    server: Server, tenant: tuple[httpx.Client, str], emu: EmulatorHandle, db_url: str, ashby: AshbyClient
) -> None:
    _, wide_id = tenant
    tenant_id = server.tenant_of(wide_id)
    notes_only = server.core.connections.create(
        tenant_id, "owner-3", emu.api_key, ["atsCandidate::list", "atsNote::create"]
    )
    listed, _ = asyncio.run(session(stdio(db_url, emu, notes_only.id, "--writes"), []))
    assert listed == READ_TOOLS | {"add_note"}  # only the writes the connection requested

    store = server.core.store
    app = next(
        r.raw for r in store.list(wide_id, "application", limit=100).records if r.raw["status"] == "Active"
    )
    stages = [
        s.raw
        for s in store.list(wide_id, "interviewStage", limit=200).records
        if s.raw["interviewPlanId"] == app["currentInterviewStage"]["interviewPlanId"]
        and s.raw["id"] != app["currentInterviewStage"]["id"]
    ]
    tag = ashby.call("candidateTag.list", {})[0]
    cid = app["candidate"]["id"]
    calls = [
        ("add_note", {"candidateId": cid, "content": "Agent note: strong systems design"}),
        ("move_stage", {"applicationId": app["id"], "stageId": stages[0]["id"]}),
        ("add_tag", {"candidateId": cid, "tagId": tag["id"]}),
    ]
    listed, results = asyncio.run(session(stdio(db_url, emu, wide_id, "--writes"), calls))
    assert listed == READ_TOOLS | WRITE_TOOLS
    for result in results:
        answer(result)
    notes = ashby.call("candidate.listNotes", {"candidateId": cid})
    assert "Agent note: strong systems design" in [n.get("content") for n in notes]
    moved = ashby.call("application.info", {"applicationId": app["id"]})
    assert moved["currentInterviewStage"]["id"] == stages[0]["id"]
    assert tag["id"] in [t["id"] for t in ashby.call("candidate.info", {"id": cid})["tags"]]
    # The writes went through the core: the store has the moved application at once.
    stored = store.get(wide_id, "application", app["id"])
    assert stored is not None and stored["currentInterviewStage"]["id"] == stages[0]["id"]


def test_http_writes_when_the_server_has_them_on(
    emu: EmulatorHandle, tmp_path: Path, ashby: AshbyClient
) -> None:
    with run_server(
        emu.base_url, f"sqlite:///{tmp_path / 'w.db'}", lifespan="on", scheduler="off", mcp_writes=True
    ) as srv:
        http = srv.tenant("writer")
        tenant_id = srv.core.connections.authenticate(str(http.headers["Authorization"]))
        notes_only = srv.core.connections.create(
            tenant_id,
            "owner",
            emu.api_key,
            ["atsCandidate::list", "atsCandidate::retrieve", "atsNote::create"],
        )
        # Another connection of the same server, which asked to move stages and nothing else.
        movers = srv.core.connections.create(
            tenant_id, "owner-2", emu.api_key, ["atsApplication::list", "atsApplication::update"]
        )
        candidate = ashby.call("candidate.list", {})[0]
        app = next(a for a in ashby.call("application.list", {}) if a["status"] == "Active")
        calls = [
            ("add_note", {"candidateId": candidate["id"], "content": "Noted over HTTP"}),
            ("move_stage", {"applicationId": app["id"], "stageId": app["currentInterviewStage"]["id"]}),
        ]
        listed, results = asyncio.run(session(over_http(srv, key_of(http), notes_only.id), calls))
        moves_listed, moved = asyncio.run(session(over_http(srv, key_of(http), movers.id), calls[1:]))
        everything = srv.core.connections.create(tenant_id, "owner-3", emu.api_key)
        all_listed, _ = asyncio.run(session(over_http(srv, key_of(http), everything.id), []))
    # One server serves every connection, and each is listed the writes it requested only.
    assert listed == READ_TOOLS | {"add_note"}
    assert moves_listed == READ_TOOLS | {"move_stage"}
    assert all_listed == READ_TOOLS | WRITE_TOOLS  # no requested operations: every operation
    assert answer(results[0])["data"]["content"] == "Noted over HTTP"
    # A write not listed for the connection, called anyway, is refused naming the operation.
    assert "atsApplication::update" in error_text(results[1])
    assert answer(moved[0])["data"]["id"] == app["id"]
    notes = ashby.call("candidate.listNotes", {"candidateId": candidate["id"]})
    assert "Noted over HTTP" in [n.get("content") for n in notes]


def test_the_command_refuses_an_unknown_connection(emu: EmulatorHandle, db_url: str, server: Server) -> None:
    params = stdio(db_url, emu, "no-such-connection")
    done = subprocess.run(
        [params.command, *params.args], env=params.env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert "--connection" in done.stderr and "Traceback" not in done.stderr


def test_a_lazy_child_list_is_fetched_once_and_reported(
    server: Server, tenant: tuple[httpx.Client, str], emu: EmulatorHandle, ashby: AshbyClient
) -> None:
    http, wide_id = tenant
    # A connection synced with the default policies: a candidate's notes are fetched when read.
    lazy = server.core.connections.create(server.tenant_of(wide_id), "owner-4", emu.api_key)
    SyncEngine(server.core.clients.require(lazy.id), server.core.store, lazy.id).run()
    candidate = next(
        c
        for c in ashby.call("candidate.list", {})
        if ashby.call("candidate.listNotes", {"candidateId": c["id"]})
    )
    calls = [("candidate_timeline", {"candidateId": candidate["id"]})] * 2
    received = emu.emulator.requests_received
    before = received["candidate.listNotes"]
    _, (first, second) = asyncio.run(session(over_http(server, key_of(http), lazy.id), calls))
    assert received["candidate.listNotes"] - before == 1  # one request, on the first read only
    assert answer(first)["ashbyRequests"] == {
        "lazyFetches": [f"candidateNote of candidate {candidate['id']}"],
        "count": 1,
    }
    assert answer(second)["ashbyRequests"]["count"] == 0
    notes = ashby.call("candidate.listNotes", {"candidateId": candidate["id"]})
    assert len([e for e in answer(second)["events"] if e["type"] == "note"]) == len(notes)


def test_a_key_without_confidential_access_sees_no_confidential_job(
    server: Server, tenant: tuple[httpx.Client, str], emu: EmulatorHandle, ashby: AshbyClient
) -> None:
    http, wide_id = tenant
    restricted_key = emu.control.add_key(allow_confidential=False, allow_private_fields=False)
    conn = server.core.connections.create(server.tenant_of(wide_id), "owner-5", restricted_key)
    SyncEngine(server.core.clients.require(conn.id), server.core.store, conn.id).run()
    with AshbyClient(restricted_key, base_url=emu.base_url, rate_limit_per_minute=None) as narrow:
        visible = {j["id"] for j in narrow.call("job.list", {}) if j["status"] == "Open"}
    confidential = {j["id"] for j in ashby.call("job.list", {}) if j.get("confidential")}
    assert confidential  # the seeded organisation has some
    calls = [("open_jobs", {})]
    _, (jobs,) = asyncio.run(session(over_http(server, key_of(http), conn.id), calls))
    listed = {j["id"] for j in answer(jobs)["jobs"]}
    assert listed == visible and not listed & confidential

    async def refusal(uri: str) -> str:
        async with Client(over_http(server, key_of(http), conn.id)) as client:
            try:
                await client.read_resource(uri)
            except MCPError as exc:
                return str(exc)
        return "read"

    assert "record_not_found" in asyncio.run(refusal(f"ashby://atsJob/{sorted(confidential)[0]}"))


def test_lazy_stage_history_is_fetched_through_the_lazy_path_and_reported(
    server: Server, tenant: tuple[httpx.Client, str], emu: EmulatorHandle, ashby: AshbyClient
) -> None:
    http, wide_id = tenant
    tenant_id = server.tenant_of(wide_id)
    core = server.core
    apps = ashby.call("application.list", {})
    busiest = Counter(a["job"]["id"] for a in apps).most_common(1)[0][0]
    of_job = {a["id"] for a in apps if a["job"]["id"] == busiest}
    truth = {a: ashby.call("application.listHistory", {"applicationId": a}) for a in of_job}
    received = emu.emulator.requests_received

    def connection_with_history(policy: str) -> str:
        conn = core.connections.create(tenant_id, f"owner-history-{policy}", emu.api_key)
        core.child_policies.put(conn.id, {"applicationHistory": policy})
        report = SyncEngine(
            core.clients.require(conn.id), core.store, conn.id, children={"applicationHistory": policy}
        ).run()
        assert report.ok
        return conn.id

    lazy_id = connection_with_history("lazy")
    assert core.store.count(lazy_id, "applicationHistory") == 0  # the sync fetched none
    calls = [("job_pipeline", {"jobId": busiest})] * 2
    before = received["application.listHistory"]
    _, (first, second) = asyncio.run(session(over_http(server, key_of(http), lazy_id), calls))
    asked = received["application.listHistory"] - before
    # One request per application of the job, all on the first answer, and that answer says so.
    assert asked == len(of_job)
    fetched = answer(first)["ashbyRequests"]
    assert fetched["count"] == asked
    assert sorted(fetched["lazyFetches"]) == sorted(f"applicationHistory of application {a}" for a in of_job)
    assert answer(second)["ashbyRequests"] == {"lazyFetches": [], "count": 0}
    # The answer holds the history the emulator has: every stage each application entered.
    pipeline = answer(first)
    assert pipeline["historyCoverage"] == {
        "applicationsWithHistory": len(of_job),
        "applications": len(of_job),
        "policy": "lazy",
        "lazyNotFetched": 0,
    }
    entered = Counter(stage for history in truth.values() for stage in {h["stageId"] for h in history})
    assert {
        s["stageId"]: s["enteredFromHistory"] for s in pipeline["stages"] if s["enteredFromHistory"]
    } == dict(entered)

    # A timeline reads its candidate's applications' history the same way: only what is missing.
    # A candidate with an application outside the job (not fetched yet), and if any, one inside.
    candidate = max(
        (c for c in ashby.call("candidate.list", {}) if set(c.get("applicationIds") or []) - of_job),
        key=lambda c: (bool(set(c["applicationIds"]) & of_job), len(c["applicationIds"])),
    )
    missing = [a for a in candidate["applicationIds"] if a not in of_job]
    before, every_before = received["application.listHistory"], sum(received.values())
    _, (timeline,) = asyncio.run(
        session(
            over_http(server, key_of(http), lazy_id),
            [("candidate_timeline", {"candidateId": candidate["id"]})],
        )
    )
    assert received["application.listHistory"] - before == len(missing)
    moves = answer(timeline)
    fetches = moves["ashbyRequests"]["lazyFetches"]
    assert sorted(f for f in fetches if f.startswith("applicationHistory ")) == sorted(
        f"applicationHistory of application {a}" for a in missing
    )
    # Every request the emulator received is one the answer reports (its notes are lazy too).
    assert moves["ashbyRequests"]["count"] == len(fetches) == sum(received.values()) - every_before
    expected_moves = sorted(
        (a, h["stageId"], h["enteredStageAt"])
        for a in candidate["applicationIds"]
        for h in ashby.call("application.listHistory", {"applicationId": a})
    )
    assert (
        sorted(
            (e["applicationId"], e["stageId"], e["at"]) for e in moves["events"] if e["type"] == "stageMove"
        )
        == expected_moves
    )

    # Stalled applications across the connection: the active applications whose history is still
    # missing, at most lazy_history_limit per answer, the rest counted and fetched by the next one.
    active = {a["id"] for a in apps if a["status"] == "Active"}
    missing_active = active - of_job - set(candidate["applicationIds"])
    assert len(missing_active) > 3
    core.insights.lazy_history_limit = 3
    calls = [("stale_applications", {"days": 1, "limit": 200})]
    before = received["application.listHistory"]
    try:
        _, (capped,) = asyncio.run(session(over_http(server, key_of(http), lazy_id), calls))
    finally:
        core.insights.lazy_history_limit = 100
    assert received["application.listHistory"] - before == 3
    capped_answer = answer(capped)
    assert capped_answer["ashbyRequests"]["count"] == 3
    assert {f.rpartition(" ")[2] for f in capped_answer["ashbyRequests"]["lazyFetches"]} <= missing_active
    assert capped_answer["historyCoverage"]["lazyNotFetched"] == len(missing_active) - 3
    before = received["application.listHistory"]
    _, (rest, again) = asyncio.run(session(over_http(server, key_of(http), lazy_id), calls * 2))
    assert received["application.listHistory"] - before == len(missing_active) - 3
    assert answer(rest)["ashbyRequests"]["count"] == len(missing_active) - 3
    assert answer(again)["ashbyRequests"]["count"] == 0
    stale = answer(again)
    assert stale["historyCoverage"]["lazyNotFetched"] == 0
    assert stale["historyCoverage"]["applicationsWithHistory"] == stale["activeApplications"] == len(active)
    assert all(s["basis"] == "stageHistory" for s in stale["applications"])

    # With the policy eager, the sync fetched the history: the same questions ask Ashby nothing.
    eager_id = connection_with_history("eager")
    calls = [("job_pipeline", {"jobId": busiest}), ("candidate_timeline", {"candidateId": candidate["id"]})]
    before = received["application.listHistory"]
    _, results = asyncio.run(session(over_http(server, key_of(http), eager_id), calls))
    assert received["application.listHistory"] - before == 0
    assert answer(results[0])["ashbyRequests"] == {"lazyFetches": [], "count": 0}
    assert not [f for f in answer(results[1])["ashbyRequests"]["lazyFetches"] if "applicationHistory" in f]
    assert answer(results[0])["historyCoverage"]["applicationsWithHistory"] == len(of_job)


def test_stale_applications_across_the_connection_per_job_and_per_recruiter(
    server: Server, tenant: tuple[httpx.Client, str], ashby: AshbyClient
) -> None:
    http, connection_id = tenant
    apps = ashby.call("application.list", {})
    jobs = {j["id"]: j for j in ashby.call("job.list", {})}
    last_move = {
        a["id"]: max(
            h["enteredStageAt"] for h in ashby.call("application.listHistory", {"applicationId": a["id"]})
        )
        for a in apps
        if a["status"] == "Active"
    }
    moves = sorted(last_move.values())
    # A threshold that splits the active applications: some stalled, some not.
    pinned = when(moves[len(moves) // 2]) + timedelta(days=10)
    days = 10

    def recruiter_of(app: dict[str, Any]) -> str | None:
        for holder in (app, jobs.get(app["job"]["id"]) or {}):
            for member in holder.get("hiringTeam") or []:
                if member.get("role") == "Recruiter":
                    return str(member["userId"])
        return None

    def expected(keep: Any) -> list[str]:
        cutoff = pinned - timedelta(days=days)
        return sorted(
            a["id"]
            for a in apps
            if a["status"] == "Active" and when(last_move[a["id"]]) <= cutoff and keep(a)
        )

    recruiters = Counter(r for a in apps if a["status"] == "Active" and (r := recruiter_of(a)))
    recruiter = recruiters.most_common(1)[0][0]
    job = Counter(a["job"]["id"] for a in apps if a["status"] == "Active").most_common(1)[0][0]
    calls = [
        ("stale_applications", {"days": days, "limit": 200}),
        ("stale_applications", {"days": days, "jobId": job, "limit": 200}),
        ("stale_applications", {"days": days, "recruiterId": recruiter, "limit": 200}),
    ]
    server.core.insights.clock = pinned.timestamp
    try:
        _, results = asyncio.run(session(over_http(server, key_of(http), connection_id), calls))
    finally:
        server.core.insights.clock = time.time
    whole, of_job, of_recruiter = (answer(r) for r in results)
    assert expected(lambda a: True)  # the threshold leaves some stalled and some not
    assert len(expected(lambda a: True)) < len(last_move)
    assert sorted(s["applicationId"] for s in whole["applications"]) == expected(lambda a: True)
    assert whole["activeApplications"] == len(last_move)
    assert whole["jobId"] is None and whole["recruiterId"] is None
    assert all(s["basis"] == "stageHistory" for s in whole["applications"])
    waited = [s["daysSinceMove"] for s in whole["applications"]]
    assert waited == sorted(waited, reverse=True)
    assert sorted(s["applicationId"] for s in of_job["applications"]) == expected(
        lambda a: a["job"]["id"] == job
    )
    assert sorted(s["applicationId"] for s in of_recruiter["applications"]) == expected(
        lambda a: recruiter_of(a) == recruiter
    )
