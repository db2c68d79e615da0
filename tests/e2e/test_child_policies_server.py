"""Per-connection child policies on the server, against the emulator over real HTTP, on SQLite and
PostgreSQL: set and checked through ``/connections/{id}/child-policies``, followed by manual syncs,
scheduled syncs (a change takes effect at the next run), worker jobs and lazy reads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from ashby_connector.client import AshbyClient
from ashby_connector.emulator import EmulatorHandle
from tests.e2e.server_harness import run_server
from tests.e2e.test_freshness import _poll


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.db'}"
    return str(request.getfixturevalue("postgres_db"))


def _ashby(emu: EmulatorHandle) -> AshbyClient:
    return AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None)


def _notes(emu: EmulatorHandle) -> dict[str, set[str]]:
    """Every candidate's note ids, as Ashby lists them."""
    with _ashby(emu) as ashby:
        return {
            c["id"]: {
                n["id"]
                for p in ashby.pages("candidate.listNotes", {"candidateId": c["id"]})
                for n in p.results
            }
            for p in ashby.pages("candidate.list", {})
            for c in p.results
        }


def _sync(http: httpx.Client, cid: str) -> dict[str, Any]:
    """POST /syncs and wait for the run's report: {stream: its result}."""
    started = http.post("/syncs", headers={"X-Connection-Id": cid})
    assert started.status_code == 202, started.text
    run_id = started.json()["id"]
    run = _poll(
        lambda: (r := http.get(f"/syncs/{run_id}").json())["status"] in ("succeeded", "failed") and r,
        120,
        "the manual sync",
    )
    assert run["status"] == "succeeded", run
    return {s["stream"]: s for s in run["report"]["streams"]}


def _policies(http: httpx.Client, cid: str) -> dict[str, dict[str, Any]]:
    answer = http.get(f"/connections/{cid}/child-policies")
    assert answer.status_code == 200, answer.text
    return {s["stream"]: s for s in answer.json()["streams"]}


def test_bad_child_policies_answer_422_naming_the_list_or_policy_and_change_nothing(
    emulator: EmulatorHandle, db_url: str
) -> None:
    with run_server(emulator.base_url, db_url) as server:
        http = server.tenant()
        cid = server.connect(http, emulator.api_key, sync=False)
        before = _policies(http, cid)
        assert before["candidateNote"] == {
            "stream": "candidateNote",
            "parent": "candidate",
            "operation": "candidate.listNotes",
            "policy": "lazy",
            "default": "lazy",
            "setBy": "default",
            "parentHint": None,
        }
        assert before["candidateFraudCheck"]["parentHint"] == "fraudStatus"
        assert "interviewEvent" not in before  # stored from schedule pages: no policy
        for body, code, field, words in [
            (
                {"candidateNote": "soon"},
                "invalid_child_policy",
                "childPolicies.candidateNote",
                ["'soon'", "lazy"],
            ),
            (
                {"candidateNotes": "eager"},
                "unknown_child_list",
                "childPolicies.candidateNotes",
                ["candidateNote"],
            ),
            ({"candidate": "eager"}, "unknown_child_list", "childPolicies.candidate", ["not a child list"]),
            ({"interviewEvent": "off"}, "unknown_child_list", "childPolicies.interviewEvent", ["no cost"]),
        ]:
            answer = http.put(
                f"/connections/{cid}/child-policies",
                json={"childPolicies": {"candidateNote": "eager", **body}},
            )
            assert answer.status_code == 422, answer.text
            error = answer.json()["error"]
            assert (error["code"], error["field"]) == (code, field), error
            assert all(w in error["message"] for w in words), error
        assert http.put(f"/connections/{cid}/child-policies", json={"policies": {}}).status_code == 422
        assert _policies(http, cid) == before  # nothing stored by a refused change
        other = server.tenant("other")
        assert other.get(f"/connections/{cid}/child-policies").status_code == 404
        assert other.put(f"/connections/{cid}/child-policies", json={"childPolicies": {}}).status_code == 404
        http.close()
        other.close()


def test_manual_syncs_and_lazy_reads_follow_the_connections_child_policies(
    fresh_emulator: EmulatorHandle, db_url: str
) -> None:
    with run_server(fresh_emulator.base_url, db_url) as server:
        http = server.tenant()
        cid = server.connect(http, fresh_emulator.api_key, sync=False)
        other = server.connect(http, fresh_emulator.api_key, sync=False)  # keeps the defaults
        put = http.put(
            f"/connections/{cid}/child-policies",
            json={"childPolicies": {"candidateNote": "eager", "applicationHistory": "off"}},
        )
        assert put.status_code == 200, put.text
        assert put.json()["childPolicies"] == {"candidateNote": "eager", "applicationHistory": "off"}
        policies = _policies(http, cid)
        assert (
            policies["candidateNote"]["policy"] == "eager"
            and policies["candidateNote"]["setBy"] == "connection"
        )
        assert policies["applicationHistory"]["policy"] == "off"
        assert policies["candidateProject"] == _policies(http, other)["candidateProject"]

        truth = _notes(fresh_emulator)
        by = _sync(http, cid)
        store = server.core.store
        assert by["candidateNote"]["requests"] == len(truth) == store.count(cid, "candidate")
        assert by["applicationHistory"]["mode"] == "off" and by["applicationHistory"]["requests"] == 0
        stored = {(r.parent_id, r.id) for r in store.list(cid, "candidateNote", limit=10_000).records}
        assert stored == {(c, n) for c, ids in truth.items() for n in ids}
        assert store.count(cid, "applicationHistory") == 0
        defaults = _sync(http, other)  # the other connection: notes lazy, history changed
        assert defaults["candidateNote"]["mode"] == "lazy" and defaults["candidateNote"]["requests"] == 0
        assert defaults["applicationHistory"]["mode"] == "changed (from now)"
        status = {s["stream"]: s for s in http.get(f"/connections/{cid}/sync-status").json()["streams"]}
        assert (
            status["candidateNote"]["childPolicy"] == "eager" and status["candidate"]["childPolicy"] is None
        )
        assert status["applicationHistory"]["childPolicy"] == "off"
        # A lazy list no run fetches is listed all the same: its policy, what reads stored, no lag.
        lazy = {s["stream"]: s for s in http.get(f"/connections/{other}/sync-status").json()["streams"]}
        assert lazy["candidateNote"]["mode"] == "on read" and lazy["candidateNote"]["childPolicy"] == "lazy"
        assert lazy["candidateNote"]["lagSeconds"] is None and lazy["candidateNote"]["records"] == 0

        # ``off`` is never fetched, not even when read; back to the default (lazy), a read fetches.
        with _ashby(fresh_emulator) as ashby:
            candidate = next(c for c, ids in truth.items() if ids)
            added = ashby.call("candidate.createNote", {"candidateId": candidate, "note": "After the sync"})
        fresh_emulator.control.mutate(kind="candidate", ids=[candidate], set={"company": "Changed Co"})
        put = http.put(f"/connections/{cid}/child-policies", json={"childPolicies": {"candidateNote": "off"}})
        assert put.status_code == 200
        assert _sync(http, cid)["candidateNote"]["mode"] == "off"  # the candidate's change is stored
        read = {"candidateId": candidate, "limit": 100}
        headers = {"X-Connection-Id": cid}
        page = http.get("/resources/atsNote", params=read, headers=headers)
        assert page.status_code == 200, page.text
        assert {n["remoteId"] for n in page.json()["data"]} == truth[candidate]  # not fetched
        assert http.put(f"/connections/{cid}/child-policies", json={"childPolicies": {}}).status_code == 200
        assert _policies(http, cid)["candidateNote"]["setBy"] == "default"
        page = http.get("/resources/atsNote", params=read, headers=headers)
        assert {n["remoteId"] for n in page.json()["data"]} == truth[candidate] | {added["id"]}
        http.close()


def _worker_once(db_url: str, emu: EmulatorHandle) -> None:
    """On PostgreSQL the server's scheduler queues due runs for the workers: one worker drains it."""
    from typer.testing import CliRunner

    from ashby_connector.cli import app

    args = ["worker", "run", "--db", db_url, "--once", "--no-schedule", "--base-url", emu.base_url]
    out = CliRunner().invoke(app, [*args, "--rate-limit", "0"], env={"ASHBY_API_KEY": ""})
    assert out.exit_code == 0, out.output


def test_a_policy_change_takes_effect_at_the_next_scheduled_run(
    fresh_emulator: EmulatorHandle, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.fernet import Fernet

    master_key = Fernet.generate_key().decode()
    monkeypatch.setenv("ASHBY_CONNECTOR_MASTER_KEY", master_key)  # the workers decrypt the key
    workers = db_url.startswith("postgresql")
    with run_server(
        fresh_emulator.base_url, db_url, scheduler_tick_seconds=0.2, master_key=master_key
    ) as server:
        http = server.tenant()
        cid = server.connect(http, fresh_emulator.api_key, sync=False)
        put = http.put(f"/connections/{cid}/child-policies", json={"childPolicies": {"candidateNote": "off"}})
        assert put.status_code == 200
        schedule = http.put(f"/connections/{cid}/schedule", json={"incrementalEveryMinutes": 0.05})
        assert schedule.status_code == 200
        truth = _notes(fresh_emulator)

        def notes_of_runs_since(moment: datetime) -> list[dict[str, Any]]:
            """candidateNote's result in each scheduled run created after ``moment``, oldest first."""
            if workers:
                _worker_once(db_url, fresh_emulator)
            runs = http.get("/syncs", params={"connectionId": cid, "trigger": "schedule"}).json()["data"]
            out = []
            for run in sorted(runs, key=lambda r: r["createdAt"]):
                if run["status"] == "succeeded" and datetime.fromisoformat(run["createdAt"]) > moment:
                    report = http.get(f"/syncs/{run['id']}").json()["report"]
                    out.append({s["stream"]: s for s in report["streams"]}["candidateNote"])
            return out

        server.core.start_freshness()
        try:
            first = _poll(
                lambda: notes_of_runs_since(datetime.min.replace(tzinfo=UTC)), 120, "a scheduled sync"
            )[0]
            assert first["mode"] == "off" and first["requests"] == 0
            assert server.core.store.count(cid, "candidateNote") == 0
            put = http.put(
                f"/connections/{cid}/child-policies", json={"childPolicies": {"candidateNote": "eager"}}
            )
            assert put.status_code == 200
            changed_at = datetime.now(UTC)
            note = _poll(lambda: notes_of_runs_since(changed_at), 120, "a scheduled sync after the change")[0]
        finally:
            server.core.stop_freshness()
        assert note["mode"] == "full" and note["requests"] == len(truth)
        stored = {
            (r.parent_id, r.id) for r in server.core.store.list(cid, "candidateNote", limit=10_000).records
        }
        assert stored == {(c, n) for c, ids in truth.items() for n in ids}
        http.close()


@pytest.mark.postgres
def test_worker_jobs_follow_the_connections_child_policies(
    fresh_emulator: EmulatorHandle, postgres_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.fernet import Fernet
    from typer.testing import CliRunner

    from ashby_connector.cli import app

    master_key = Fernet.generate_key().decode()
    monkeypatch.setenv("ASHBY_CONNECTOR_MASTER_KEY", master_key)
    with run_server(fresh_emulator.base_url, postgres_db, master_key=master_key) as server:
        http = server.tenant()
        cid = server.connect(http, fresh_emulator.api_key, sync=False)
        put = http.put(
            f"/connections/{cid}/child-policies",
            json={"childPolicies": {"candidateNote": "eager", "applicationHistory": "off"}},
        )
        assert put.status_code == 200
        cli = CliRunner()
        out = cli.invoke(app, ["worker", "enqueue", "--db", postgres_db, "--connection", cid])
        assert out.exit_code == 0, out.output
        _worker_once(postgres_db, fresh_emulator)
        run = server.core.syncs.history.latest(cid)
        assert run is not None and run.status == "succeeded" and run.report is not None
        by = {s["stream"]: s for s in run.report["streams"]}
        assert by["candidateNote"]["requests"] == server.core.store.count(cid, "candidate") > 0
        assert by["applicationHistory"]["mode"] == "off"
        truth = _notes(fresh_emulator)
        assert server.core.store.count(cid, "candidateNote") == sum(len(v) for v in truth.values())
        http.close()
