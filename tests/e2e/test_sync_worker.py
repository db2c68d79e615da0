"""Sync runners: in-process threads, and procrastinate workers on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from ashby_connector.client import AshbyClient
from ashby_connector.core.syncs.embedded_runner import EmbeddedRunner, SyncAlreadyRunningError
from ashby_connector.core.syncs.modes import Mode
from ashby_connector.emulator import EmulatorHandle
from ashby_connector.store import Store


def factory(emu: EmulatorHandle) -> object:
    return lambda _connection_id: AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None)


def test_embedded_runner_one_sync_per_connection(fresh_emulator: EmulatorHandle, tmp_path: Path) -> None:
    fresh_emulator.control.set_faults("latency_ms:5")
    with Store.open(f"sqlite:///{tmp_path / 'a.db'}") as store:
        runner = EmbeddedRunner(store, factory(fresh_emulator))  # type: ignore[arg-type]
        job = runner.submit("acme", streams=["user", "candidate", "candidateNote"])
        with pytest.raises(SyncAlreadyRunningError):
            runner.submit("acme")
        other = runner.submit("globex", streams=["user"])
        assert runner.wait(job.id, 60).status == "succeeded", job.error
        assert runner.wait(other.id, 60).status == "succeeded"
        assert job.report is not None and job.report["ok"]
        assert store.count("acme", "candidate") > 0 and store.count("globex", "candidate") == 0
        assert store.count("globex", "user") == store.count("acme", "user") > 0
        assert runner.running() == {}


def test_embedded_runner_gives_each_connection_its_own_callback(
    fresh_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    seen: dict[str, set[str]] = {}
    statuses: list[tuple[str, str]] = []

    def on_change_for(connection_id: str) -> object:
        return lambda kind, raw, change: seen.setdefault(connection_id, set()).add(kind)

    with Store.open(f"sqlite:///{tmp_path / 'b.db'}") as store:
        runner = EmbeddedRunner(
            store,
            factory(fresh_emulator),  # type: ignore[arg-type]
            on_change_for=on_change_for,  # type: ignore[arg-type]
            on_status=lambda job: statuses.append((job.id, job.status)),
        )
        first = runner.submit("acme", streams=["user"], job_id="run-1")
        second = runner.submit("globex", streams=["department"])
        assert runner.wait(first.id, 60).status == "succeeded" and first.id == "run-1"
        assert runner.wait(second.id, 60).status == "succeeded"
    assert seen == {"acme": {"user"}, "globex": {"department"}}
    assert ("run-1", "running") in statuses and ("run-1", "succeeded") in statuses
    with pytest.raises(ValueError):
        EmbeddedRunner(store, factory(fresh_emulator), on_change=print, on_change_for=on_change_for)  # type: ignore[arg-type]


@pytest.mark.postgres
def test_distributed_runner_on_postgres(fresh_emulator: EmulatorHandle, postgres_db: str) -> None:
    from ashby_connector.worker.distributed import DistributedRunner

    kinds: dict[str, set[str]] = {}

    def on_change_for(connection_id: str) -> object:
        return lambda kind, raw, change: kinds.setdefault(connection_id, set()).add(kind)

    runner = DistributedRunner(
        postgres_db,
        factory(fresh_emulator),  # type: ignore[arg-type]
        on_change_for=on_change_for,  # type: ignore[arg-type]
    )
    runner.install_schema()
    runner.install_schema()  # idempotent
    first = runner.enqueue("acme", streams=["user", "job"])
    assert first is not None
    assert runner.enqueue("acme", streams=["user"]) is None  # one waiting sync per connection
    assert runner.enqueue("globex", streams=["user"]) is not None
    runner.work(wait=False)
    with Store.open(postgres_db) as store:
        assert store.count("acme", "job") > 0 and store.count("globex", "user") > 0
        assert store.get_stream_state("acme", "user").sync_token
    assert kinds == {"acme": {"user", "job"}, "globex": {"user"}}
    import psycopg

    with psycopg.connect(postgres_db.replace("postgresql+psycopg", "postgresql")) as conn:
        statuses = [r[0] for r in conn.execute("SELECT status FROM procrastinate_jobs ORDER BY id")]
    assert statuses == ["succeeded", "succeeded"]


@pytest.mark.postgres
def test_worker_commands(fresh_emulator: EmulatorHandle, postgres_db: str) -> None:
    from typer.testing import CliRunner

    from ashby_connector.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["worker", "enqueue", "--db", postgres_db, "--streams", "user"])
    assert out.exit_code == 0 and "queued sync of default" in out.output
    out = runner.invoke(app, ["worker", "enqueue", "--db", postgres_db])
    assert out.exit_code == 0 and "already queued" in out.output
    out = runner.invoke(
        app,
        [
            "worker",
            "run",
            "--db",
            postgres_db,
            "--once",
            "--api-key",
            fresh_emulator.api_key,
            "--base-url",
            fresh_emulator.base_url,
            "--rate-limit",
            "0",
        ],
    )
    assert out.exit_code == 0, out.output
    with Store.open(postgres_db) as store:
        assert store.count("default", "user") > 0
    out = runner.invoke(app, ["worker", "run", "--db", "sqlite:///x.db", "--once", "--api-key", "k"])
    assert out.exit_code == 2 and "PostgreSQL" in out.output


@pytest.mark.postgres
def test_worker_without_a_key_syncs_the_servers_connections_and_queues_events(
    fresh_emulator: EmulatorHandle, postgres_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many machines: each worker job uses its connection's own encrypted key, and its diffs
    are queued for the tenant's subscribers exactly as syncs the server runs itself."""
    import sqlalchemy as sa
    from cryptography.fernet import Fernet
    from typer.testing import CliRunner

    from ashby_connector.cli import app
    from ashby_connector.store.schema_webhooks import webhook_outbox
    from tests.e2e.server_harness import run_server

    master_key = Fernet.generate_key().decode()
    monkeypatch.setenv("ASHBY_CONNECTOR_MASTER_KEY", master_key)
    with run_server(fresh_emulator.base_url, postgres_db, master_key=master_key) as server:
        http = server.tenant("acme")
        connection_id = server.connect(http, fresh_emulator.api_key, sync=False)
        sub = http.post(
            "/subscriptions",
            json={"url": "http://127.0.0.1:9/hook", "models": ["genericUser"], "connectionId": connection_id},
        )
        assert sub.status_code in (200, 201), sub.text

        cli = CliRunner()
        out = cli.invoke(
            app,
            ["worker", "enqueue", "--db", postgres_db, "--connection", connection_id, "--streams", "user"],
        )
        assert out.exit_code == 0, out.output
        out = cli.invoke(
            app,
            [
                "worker",
                "run",
                "--db",
                postgres_db,
                "--once",
                "--base-url",
                fresh_emulator.base_url,
                "--rate-limit",
                "0",
            ],
            env={"ASHBY_API_KEY": ""},
        )
        assert out.exit_code == 0, out.output

        users = server.core.store.count(connection_id, "user")
        assert users > 0
        with server.core.store.engine.connect() as conn:
            queued = conn.execute(
                sa.select(sa.func.count())
                .select_from(webhook_outbox)
                .where(webhook_outbox.c.subscription_id == sub.json()["id"])
            ).scalar_one()
        assert queued == users, "every synced user is a genericUser.created event for the subscriber"


@pytest.mark.postgres
def test_a_sigkilled_workers_connection_syncs_again_within_one_lease(
    fresh_emulator: EmulatorHandle, postgres_db: str
) -> None:
    """A worker killed mid-run (SIGKILL) leaves its procrastinate job ``doing`` and its run
    ``running``: the scheduler's sweep fails the job once the worker stops beating, the run is
    marked interrupted once its lease lapses (2 s here), and the next sync of the connection is
    accepted and run by another worker, resuming. A live worker's run is never touched."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from cryptography.fernet import Fernet

    from ashby_connector.core.app import Core
    from ashby_connector.core.settings import Settings
    from ashby_connector.worker.distributed import DistributedRunner

    master_key = Fernet.generate_key().decode()
    settings = Settings(
        db_url=postgres_db, ashby_base_url=fresh_emulator.base_url, master_key=master_key, scheduler="off"
    )
    core = Core.open(settings)
    tenant, _ = core.tenancy.create_platform_key("acme")
    cid = core.connections.create(tenant, "owner", fresh_emulator.api_key).id
    queue = DistributedRunner(postgres_db, core.clients.require, store=core.store)
    queue.install_schema()
    env = {
        **os.environ,
        "ASHBY_CONNECTOR_MASTER_KEY": master_key,
        "ASHBY_CONNECTOR_SYNC_LEASE_SECONDS": "2",
        "ASHBY_API_KEY": "",
    }
    command = [
        str(Path(sys.executable).parent / "ashby-connector"),
        "worker",
        "run",
        "--db",
        postgres_db,
        "--base-url",
        fresh_emulator.base_url,
        "--rate-limit",
        "0",
        "--no-schedule",
    ]

    def run_status(run_id: str) -> str | None:
        run = core.syncs.history.get(run_id, [cid])
        return run.status if run is not None else None

    def wait(check: object, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not check():  # type: ignore[operator]
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.05)

    fresh_emulator.control.set_faults("latency_ms:600")  # a run of some seconds
    worker = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert queue.enqueue(cid, mode=Mode.FULL) is not None
        first = core.syncs.history.page([cid]).runs[0].id
        wait(lambda: run_status(first) == "running")
        time.sleep(3)  # longer than the lease: the live worker's heartbeats keep it
        assert queue.release_stalled(1.0) == 0 and core.syncs.recover_interrupted() == 0
        assert run_status(first) == "running"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        killed = time.monotonic()
        # This deployment's lease is 2 s, so a worker silent for half of it (1 s) is gone.
        wait(lambda: queue.release_stalled(1.0) == 1)  # the job's lock is free again
        wait(lambda: core.syncs.recover_interrupted() == 1)
        recovered = time.monotonic() - killed
        assert run_status(first) == "interrupted"
        fresh_emulator.control.set_faults(None)
        assert queue.enqueue(cid) is not None  # accepted again
        again = subprocess.run([*command[:-1], "--once"], env=env, capture_output=True, timeout=120)
        assert again.returncode == 0, again.stdout[-2000:]
        second = core.syncs.history.page([cid]).runs[0]
        assert second.id != first and second.status == "succeeded", second.error
        assert second.report is not None
        assert any(s["mode"].startswith("resumed") for s in second.report["streams"]), second.report
        print(f"killed worker's run interrupted and its job failed {recovered:.1f} s after SIGKILL")
    finally:
        if worker.poll() is None:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
        queue.close()
        core.close()
