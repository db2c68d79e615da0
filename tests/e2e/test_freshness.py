"""Copies that stay fresh by themselves: schedules on the server and on workers, ``sync --every``,
``status``, sync events, and JSON logs without secrets; against the emulator over real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from ashby_connector.cli import app
from ashby_connector.client import AshbyClient
from ashby_connector.emulator import EmulatorHandle
from ashby_connector.store import Store
from tests.e2e.server_harness import run_server


def _poll(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout}s"
        time.sleep(0.1)
    return found


def test_a_scheduled_connection_syncs_by_itself_and_pause_stops_it(
    fresh_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    with run_server(
        fresh_emulator.base_url, f"sqlite:///{tmp_path / 's.db'}", scheduler_tick_seconds=0.2
    ) as server:
        http = server.tenant()
        cid = server.connect(http, fresh_emulator.api_key, sync=False)
        headers = {"X-Connection-Id": cid}
        put = http.put(f"/connections/{cid}/schedule", json={"incrementalEveryMinutes": 0.05})
        assert put.status_code == 200, put.text
        server.core.start_freshness()
        # Nobody calls POST /syncs: the schedule runs the first (full) sync by itself.
        first = _poll(
            lambda: [
                r
                for r in http.get("/syncs", params={"connectionId": cid, "trigger": "schedule"}).json()[
                    "data"
                ]
                if r["status"] == "succeeded"
            ],
            120,
            "a scheduled sync",
        )
        assert first[0]["fetched"] > 0
        with AshbyClient(fresh_emulator.api_key, base_url=fresh_emulator.base_url) as ashby:
            created = ashby.call("candidate.create", {"name": "Fresh Arrival"})
        found = _poll(
            lambda: http.get(
                "/resources/atsCandidate", params={"ids": created["id"]}, headers=headers
            ).json()["data"],
            120,
            "the new candidate in the store",
        )
        assert found[0]["id"] == created["id"]
        status = http.get(f"/connections/{cid}/sync-status").json()
        assert {s["stream"] for s in status["streams"]} >= {"candidate", "application", "job"}
        stale = [
            s
            for s in status["streams"]
            # ``on read`` and ``off`` child lists are fetched by no run, so they have no lag.
            if s["mode"] not in ("unavailable", "on read", "off")
            and (s["lagSeconds"] is None or s["lagSeconds"] >= 120)
        ]
        assert not stale, stale
        # Paused: due runs are not started any more.
        assert http.put(f"/connections/{cid}/schedule", json={"paused": True}).json()["paused"]
        fresh = server.core.freshness
        fresh.stop()
        _poll(lambda: not fresh.lease.held(cid), 60, "the running sync to end")
        schedules = fresh.schedules
        import sqlalchemy as sa

        from ashby_connector.store import sync_schedule

        with server.core.store.transaction() as conn:  # long overdue, yet paused
            conn.execute(sa.update(sync_schedule).values(next_incremental_at=0, next_reconcile_at=0))
        assert fresh.scheduler is not None and fresh.scheduler.tick().started == []
        assert schedules.get(cid).paused


def test_two_workers_on_postgres_run_each_due_schedule_once_never_twice_at_once(
    fresh_emulator: EmulatorHandle, postgres_db: str
) -> None:
    import sqlalchemy as sa

    from ashby_connector.core.freshness.service import Freshness, FreshnessSettings
    from ashby_connector.store import sync_run, sync_schedule
    from ashby_connector.worker.distributed import DistributedRunner

    fresh_emulator.control.set_faults("latency_ms:20")
    connections = ["acme", "globex", "initech"]

    def factory(_cid: str) -> AshbyClient:
        return AshbyClient(
            fresh_emulator.api_key, base_url=fresh_emulator.base_url, rate_limit_per_minute=None
        )

    workers = [DistributedRunner(postgres_db, factory) for _ in range(2)]
    workers[0].install_schema()
    schedulers = [
        Freshness(
            w.store(), FreshnessSettings(0.05, 24), connections=lambda: connections, dispatch=w.schedule
        )
        for w in workers
    ]
    store = workers[0].store()
    for cid in connections:
        schedulers[0].schedules.put(cid, incremental_every_minutes=0.05)
    for _round in range(2):
        with store.transaction() as conn:  # every connection due now
            conn.execute(sa.update(sync_schedule).values(next_incremental_at=0))
        barrier = threading.Barrier(2)

        def tick(f: Freshness, barrier: threading.Barrier) -> None:
            barrier.wait()
            f.tick()

        threads = [threading.Thread(target=tick, args=(f, barrier)) for f in schedulers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        runners = [threading.Thread(target=w.work, kwargs={"wait": False, "concurrency": 2}) for w in workers]
        for t in runners:
            t.start()
        for t in runners:
            t.join(120)
    with store.engine.connect() as conn:
        runs = [dict(r._mapping) for r in conn.execute(sa.select(sync_run).order_by(sync_run.c.started_at))]
    for w in workers:
        w.close()
    # Two rounds, three due connections, two schedulers: each due run queued once, and run.
    assert len(runs) == 6, runs
    assert all(r["status"] == "succeeded" and r["trigger"] == "schedule" for r in runs), runs
    for cid in connections:
        mine = [r for r in runs if r["connection_id"] == cid]
        assert len(mine) == 2
        assert mine[0]["finished_at"] <= mine[1]["started_at"], "one connection synced twice at once"


def test_a_second_runner_is_refused_the_lease(fresh_emulator: EmulatorHandle, tmp_path: Path) -> None:
    from ashby_connector.core.syncs.service import SyncService

    fresh_emulator.control.set_faults("latency_ms:10")
    with Store.open(f"sqlite:///{tmp_path / 'l.db'}") as store:

        def factory(_cid: str) -> AshbyClient:
            return AshbyClient(
                fresh_emulator.api_key, base_url=fresh_emulator.base_url, rate_limit_per_minute=None
            )

        services = [SyncService(store, factory, holder=f"host-{i}") for i in range(2)]
        results: list[str] = []
        barrier = threading.Barrier(2)

        def run(service: SyncService) -> None:
            barrier.wait()
            results.append(service.run("acme", trigger="schedule", streams=["user", "candidate"]).status)

        threads = [threading.Thread(target=run, args=(s,)) for s in services]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(results) == ["skipped", "succeeded"]


def test_sync_every_runs_on_its_schedule_and_status_shows_lag(
    fresh_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    from ashby_connector.cli._every import run_every

    db = f"sqlite:///{tmp_path / 'every.db'}"
    runs: list[Any] = []
    stop = threading.Event()

    def on_run(run: Any) -> None:
        runs.append(run)
        if len(runs) == 3:
            stop.set()

    with Store.open(db) as store:
        run_every(
            Console(file=open(tmp_path / "out.txt", "w")),  # noqa: SIM115
            store,
            lambda _c: AshbyClient(
                fresh_emulator.api_key, base_url=fresh_emulator.base_url, rate_limit_per_minute=None
            ),
            "default",
            every_seconds=2,
            reconcile_every_seconds=3600,
            streams=["user", "department"],
            stop=stop,
            tick_seconds=0.1,
            on_run=on_run,
        )
    assert [r.trigger for r in runs] == ["cli", "schedule", "schedule"]
    assert all(r.status == "succeeded" for r in runs)
    gap = (runs[2].started_at - runs[1].started_at).total_seconds()
    # Never early: every 2 s plus up to 10 % jitter. How late a loaded machine makes it is
    # benchmarks/freshness.py's figure, not this test's.
    assert gap >= 1.9, gap
    out = CliRunner().invoke(app, ["status", "--db", db, "--json"])
    assert out.exit_code == 0, out.output
    status = json.loads(out.output)["connections"][0]
    assert status["connectionId"] == "default" and status["schedule"]["incrementalEveryMinutes"] == 2 / 60
    streams = {s["stream"]: s for s in status["streams"]}
    synced = {name for name, s in streams.items() if s["mode"] not in ("on read", "off")}
    assert synced == {"user", "department"} and streams["user"]["lagSeconds"] < 60
    # The user's lazy child list is listed with its policy, though no run fetches it.
    assert streams["userInterviewerPause"]["childPolicy"] == "lazy"
    assert [r["trigger"] for r in status["recentRuns"]] == ["schedule", "schedule", "cli"]
    table = CliRunner().invoke(app, ["status", "--db", db], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "department" in table.output and "lag" in table.output
    assert CliRunner().invoke(app, ["status", "--db", db, "--connection", "nope"]).exit_code == 2
    bad = CliRunner().invoke(app, ["sync", "--emulator", "--every", "soon", "--db", db])
    assert bad.exit_code == 2 and "--every" in bad.output


def test_sync_every_with_a_fast_lane_brings_candidate_edits_in_seconds(
    fresh_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    from ashby_connector.cli._every import run_every

    db = f"sqlite:///{tmp_path / 'lane.db'}"
    runs: list[Any] = []
    stop = threading.Event()
    candidate = next(iter(fresh_emulator.state.iter("candidate")))

    def on_run(run: Any) -> None:
        runs.append(run)
        if run.trigger == "cli":  # the first sync is stored: edit a candidate by hand
            with AshbyClient(fresh_emulator.api_key, base_url=fresh_emulator.base_url) as ashby:
                ashby.call("candidate.update", {"candidateId": candidate["id"], "name": "Edited Now"})
        elif run.streams == ["candidate"] and run.changed:
            stop.set()

    threading.Timer(60, stop.set).start()  # a bound, should the lane never bring it
    with Store.open(db) as store:
        run_every(
            Console(file=open(tmp_path / "out.txt", "w"), width=300),  # noqa: SIM115
            store,
            lambda _c: AshbyClient(
                fresh_emulator.api_key, base_url=fresh_emulator.base_url, rate_limit_per_minute=None
            ),
            "default",
            every_seconds=3600,
            reconcile_every_seconds=7200,
            stop=stop,
            tick_seconds=0.1,
            on_run=on_run,
            fast_every_seconds=1,
            fast_streams=("candidate",),
        )
        assert (store.get("default", "candidate", candidate["id"]) or {}).get("name") == "Edited Now"
    polls = [r for r in runs if r.trigger == "schedule"]
    # Only the poll that found the edit is recorded: one request, the candidate list alone.
    assert len(polls) == 1 and polls[0].changed == 1 and polls[0].requests == 1, polls
    out = (tmp_path / "out.txt").read_text()
    assert "candidate polled every 1s (60 requests/min when nothing changed)" in out
    for args, option in (
        (["--fast-every", "1s", "--fast-streams", "candidateNote"], "--fast-streams"),
        (["--fast-every", "0.2s"], "--fast-every"),
    ):
        bad = CliRunner().invoke(app, ["sync", "--emulator", "--every", "1m", "--db", db, *args])
        assert bad.exit_code == 2 and option in bad.output, bad.output


def test_json_logs_name_the_connection_and_request_but_no_secret(
    fresh_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    fresh_emulator.control.set_faults("department.list=500:1.0")
    import io
    import logging

    from ashby_connector.core.runtime import logs
    from ashby_connector.core.syncs.service import SyncService

    stream = io.StringIO()
    handler = logs.configure("json", stream=stream)
    try:
        with Store.open(f"sqlite:///{tmp_path / 'j.db'}") as store:

            def factory(cid: str) -> AshbyClient:
                client = AshbyClient(
                    fresh_emulator.api_key,
                    base_url=fresh_emulator.base_url,
                    rate_limit_per_minute=None,
                    max_retries=1,
                )
                client.connection_id = cid
                return client

            run = SyncService(store, factory, holder="t").run("conn_json", streams=["user", "department"])
            logging.getLogger("ashby_connector.test").info(
                "pasted by mistake: Bearer %s", fresh_emulator.api_key
            )
    finally:
        logging.getLogger(logs.ROOT).removeHandler(handler)
    assert run.status == "failed"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    errors = [line for line in lines if line.get("event") == "ashby_error"]
    assert errors and all(e["connection_id"] == "conn_json" and e["request_id"] for e in errors)
    assert errors[0]["operation"] == "department.list" and errors[0]["status"] == 500
    sync_lines = [line for line in lines if line.get("event") == "sync_run"]
    assert len(sync_lines) == 1 and sync_lines[0]["connection_id"] == "conn_json"
    assert sync_lines[0]["status"] == "failed" and sync_lines[0]["run_id"] == run.id
    text = stream.getvalue()
    assert fresh_emulator.api_key not in text and "[redacted]" in text


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    exe = str(Path(sys.executable).parent / "ashby-connector")
    return subprocess.Popen(
        [exe, *args], env={**os.environ, **env}, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


@pytest.mark.postgres
def test_a_server_and_two_worker_processes_share_one_budget_per_key(postgres_db: str, tmp_path: Path) -> None:
    """Three processes syncing and proxying with one key: together they stay inside the key's
    budget. The emulator counts its limit over 10 s (1,000/min = 166 per 10 s) so the check takes
    seconds; each process alone is allowed 900/min, three times what the key has."""
    import httpx
    from cryptography.fernet import Fernet

    from ashby_connector.emulator import run_emulator
    from tests.e2e.server_harness import free_port

    env = {"ASHBY_CONNECTOR_MASTER_KEY": Fernet.generate_key().decode(), "ASHBY_API_KEY": ""}
    with run_emulator(candidates=150, rate_limit_per_minute=1000, rate_limit_window_seconds=10) as emu:
        port = free_port()
        procs = [
            _spawn(
                [
                    "serve",
                    "--db",
                    postgres_db,
                    "--port",
                    str(port),
                    "--base-url",
                    emu.base_url,
                    "--rate-limit",
                    "900",
                ],
                env,
                tmp_path / "server.log",
            )
        ]
        try:
            base = f"http://127.0.0.1:{port}"
            _poll(lambda: _answers(f"{base}/healthz"), 60, "the server to start")
            with Store.open(postgres_db) as store:
                from ashby_connector.store.tenancy import Tenancy

                _, platform_key = Tenancy(store).create_platform_key("load")
            http = httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {platform_key}"}, timeout=60
            )
            ids = []
            for _ in range(3):
                made = http.post("/connections", json={"ownerId": "o", "apiKey": emu.api_key})
                assert made.status_code == 201, made.text
                ids.append(made.json()["id"])
                http.put(f"/connections/{ids[-1]}/schedule", json={"incrementalEveryMinutes": 0.05})
            for name in ("worker-1", "worker-2"):
                procs.append(
                    _spawn(
                        [
                            "worker",
                            "run",
                            "--db",
                            postgres_db,
                            "--base-url",
                            emu.base_url,
                            "--rate-limit",
                            "900",
                        ],
                        env,
                        tmp_path / f"{name}.log",
                    )
                )
            limiter = emu.emulator.rate_limiter
            _poll(
                lambda: http.get("/syncs", params={"status": "running"}).json()["data"], 60, "a worker sync"
            )
            started = time.monotonic()
            proxied = 0
            while time.monotonic() - started < 25:  # interactive calls through the server meanwhile
                answer = http.post("/proxy/user.list", json={}, headers={"X-Connection-Id": ids[0]})
                assert answer.status_code == 200 or time.monotonic() < started + 10, answer.text
                proxied += 1
                time.sleep(0.05)
            late = [t for t in limiter.rejections if t > started + 10]
            running = http.get("/syncs", params={"status": "running"}).json()["data"]
        finally:
            for proc in procs:
                proc.kill()
            for proc in procs:
                proc.wait(20)
    logs = {p.name: p.read_text(errors="replace")[-2000:] for p in tmp_path.glob("*.log")}
    assert running, logs  # the workers were busy syncing the whole time
    assert proxied > 50
    # How much of the key's budget the three processes use is benchmarks/freshness.py's figure
    # (part c); this test holds them to the budget: no 429 once the first window has passed.
    assert late == [], f"{len(late)} 429s after the first window; {len(limiter.rejections)} in all"


def _answers(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
