"""The sync and hiring-team commands as a user runs them, including kill -9 and bad input."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from ashby_connector.cli import app
from ashby_connector.core.syncs.history import SyncHistory
from ashby_connector.emulator import EmulatorHandle, run_emulator
from ashby_connector.store import Store
from ashby_connector.store.records import canonical
from ashby_connector.sync.policies import every_child
from tests.e2e.test_sync_emulator import assert_store_equals_emulator

runner = CliRunner()


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def snapshot(db: str) -> dict[str, object]:
    """Everything a user could see in the store: records per kind and the sync state."""
    with Store.open(db, migrate=False) as store, store.engine.connect() as conn:
        states = [tuple(r) for r in conn.execute(sa.text("SELECT * FROM sync_state ORDER BY stream"))]
        # Each user's whole record and its timestamps: any write at all changes the snapshot.
        users = sorted(
            (r.id, canonical(r.raw), r.synced_at, r.changed_at, r.deleted_at)
            for r in store.list("default", "user", limit=1000).records
        )
    return {"states": states, "users": users}


def sync_args(emu: EmulatorHandle, db: str, *extra: str) -> list[str]:
    return [
        "sync",
        "--api-key",
        emu.api_key,
        "--base-url",
        emu.base_url,
        "--db",
        db,
        "--rate-limit",
        "0",
        *extra,
    ]


def test_sync_command_json_and_exit_code(fresh_emulator: EmulatorHandle, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    code, out = cli(*sync_args(fresh_emulator, db, "--streams", "user,job,candidate,candidateNote", "--json"))
    assert code == 0, out
    report = json.loads(out.strip().splitlines()[-1])
    assert report["ok"] and {s["stream"] for s in report["streams"]} == {
        "user",
        "job",
        "candidate",
        "candidateNote",
    }
    code, out = cli(*sync_args(fresh_emulator, db, "--streams", "user"))
    assert code == 0 and "incremental" in out and "Sync summary" in out


def test_wrong_key_one_message_nonzero_store_untouched(
    fresh_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    assert cli(*sync_args(fresh_emulator, db, "--streams", "user"))[0] == 0
    before = snapshot(db)
    result = runner.invoke(
        app,
        [
            "sync",
            "--api-key",
            "wrong-key",
            "--base-url",
            fresh_emulator.base_url,
            "--db",
            db,
            "--rate-limit",
            "0",
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 1
    assert result.output.count("error:") == 1 and "API key" in result.output
    assert snapshot(db) == before


def test_unreachable_base_url(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, out = cli(
        "sync",
        "--api-key",
        "k",
        "--base-url",
        f"http://127.0.0.1:{port}",
        "--db",
        f"sqlite:///{tmp_path / 'a.db'}",
        "--rate-limit",
        "0",
        # Not the default 30 s of retrying: test_cli_waiting.py shows the flag is honoured.
        "--give-up-after",
        "1",
    )
    assert code == 1 and out.count("error:") == 1 and "reach" in out


def test_bad_database_url_and_read_only_file(fresh_emulator: EmulatorHandle, tmp_path: Path) -> None:
    code, out = cli(*sync_args(fresh_emulator, "mysql://nobody@127.0.0.1/x"))
    assert code == 2 and out.count("error:") == 1 and "unsupported database" in out
    path = tmp_path / "ro.db"
    db = f"sqlite:///{path}"
    assert cli(*sync_args(fresh_emulator, db, "--streams", "user"))[0] == 0
    before = snapshot(db)
    path.chmod(0o444)
    try:
        code, out = cli(*sync_args(fresh_emulator, db, "--streams", "user", "--full"))
    finally:
        path.chmod(0o644)
    assert code == 2 and out.count("error:") == 1 and "read-only" in out
    assert snapshot(db) == before


def test_missing_permission_named_stream_fails_clearly(
    fresh_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    key = fresh_emulator.control.add_key(permissions=["organizationRead", "apiKeysRead"])
    db = f"sqlite:///{tmp_path / 'a.db'}"
    code, out = cli(
        "sync",
        "--api-key",
        key,
        "--base-url",
        fresh_emulator.base_url,
        "--db",
        db,
        "--rate-limit",
        "0",
        "--streams",
        "candidate",
    )
    assert code == 1 and "candidatesRead" in out


def test_hiring_team_scenario(fresh_emulator: EmulatorHandle) -> None:
    """Integration guide: look a user up by email, add them to a job's hiring team."""
    from ashby_connector.client import AshbyClient

    with AshbyClient(
        fresh_emulator.api_key, base_url=fresh_emulator.base_url, rate_limit_per_minute=None
    ) as c:
        user = c.call("user.list", {})[0]
        job = c.call("job.list", {})[0]
        code, out = cli(
            "hiring-team",
            "add",
            "--email",
            user["email"],
            "--job-id",
            job["id"],
            "--role",
            "Hiring Manager",
            "--api-key",
            fresh_emulator.api_key,
            "--base-url",
            fresh_emulator.base_url,
        )
        assert code == 0, out
        assert user["id"] in out
        team = c.call("job.info", {"id": job["id"]})["hiringTeam"]
    assert any(m.get("userId") == user["id"] and m.get("role") == "Hiring Manager" for m in team)
    code, out = cli(
        "hiring-team",
        "add",
        "--email",
        "nobody@nowhere.example",
        "--job-id",
        job["id"],
        "--role",
        "Recruiter",
        "--api-key",
        fresh_emulator.api_key,
        "--base-url",
        fresh_emulator.base_url,
    )
    assert code == 1 and "no Ashby user" in out


@pytest.mark.slow
def test_kill_9_mid_sync_resumes_and_converges(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    with run_emulator(seed=5, candidates=150, rate_limit_per_minute=None) as emu:
        emu.control.set_faults("latency_ms:8")  # slow enough to be killed mid-way
        # Every child list fetched: long enough a run to be killed in the middle.
        args = sync_args(
            emu, db, "--json", "--children", ",".join(f"{c}=eager" for c in every_child("eager"))
        )
        cmd = [str(Path(sys.executable).parent / "ashby-connector"), *args]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        engine = sa.create_engine(db)
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                time.sleep(0.2)
                try:
                    with engine.connect() as conn:
                        pages = conn.execute(
                            sa.text(
                                "SELECT count(*) FROM sync_state WHERE run_mode IS NOT NULL AND run_pages > 3"
                            )
                        ).scalar_one()
                except sa.exc.OperationalError:
                    continue
                if pages:
                    break
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        finally:
            engine.dispose()
        assert proc.returncode == -signal.SIGKILL
        emu.control.set_faults(None)
        code, out = cli(*args)
        assert code == 0, out
        report = json.loads(out.strip().splitlines()[-1])
        assert any(s["mode"].startswith("resumed") for s in report["streams"])
        with Store.open(db) as store:
            assert_store_equals_emulator(store, emu)


def test_demo_runs_full_then_incremental(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["demo", "--candidates", "60", "--db", f"sqlite:///{tmp_path / 'demo.db'}"],
        env={"COLUMNS": "80"},
    )
    code, out = result.exit_code, result.output
    assert code == 0, out
    assert len(out.splitlines()) <= 60, out  # one screen and a bit, at 80 columns
    assert "Full sync:" in out and "Incremental sync: streams that changed" in out
    assert "full (fallback)" in out and "sync_token_expired" in out
    assert "…" not in out  # no name cut short
    # Only the user stream's token was expired: it alone falls back, the others stay incremental.
    fallbacks = [ln for ln in out.splitlines() if "fell back to a full sync" in ln and "warning" in ln]
    assert len(fallbacks) == 1 and "user:" in fallbacks[0], fallbacks
    assert "12 demo candidates" in out
    # Requests told apart: the incremental's child lists are what can make it cost more.
    rows = {ln.split()[0] + " " + ln.split()[1]: ln.split()[2:4] for ln in out.splitlines() if "lists " in ln}
    top, child = rows["top-level lists"], rows["child lists"]
    assert all(n.isdigit() for n in top + child), rows
    # It ends with a run nobody started: a short schedule's, then the status with lag.
    assert "syncing demo every 2s (reconcile every 1d)" in out
    assert "schedule incremental sync succeeded" in out and "The scheduled run brought the rename" in out
    tail = out[out.index("sync status of demo") :]
    assert "lag at most" in tail and "candidate" in tail and "incremental every 2 s" in tail
    with Store.open(f"sqlite:///{tmp_path / 'demo.db'}") as store:
        assert store.count("demo", "candidate") == 72
        runs = SyncHistory(store).page(["demo"]).runs
        # Every run is in the history, the demo's own two (trigger cli) as much as the schedule's.
        assert [(r.trigger, r.mode, r.status) for r in runs] == [
            ("schedule", "incremental", "succeeded"),
            ("cli", "incremental", "succeeded"),
            ("cli", "reconcile", "succeeded"),
        ]
        assert runs[0].changed >= 1


def test_every_demo_is_fresh_and_says_where_its_copy_is() -> None:
    places = []
    for _ in range(2):
        code, out = cli("demo", "--candidates", "30")
        assert code == 0, out
        assert "12 demo candidates" in out  # not 24: nothing carried over from the first run
        place = out.split("the copy is in ")[-1].strip()
        assert place.startswith("sqlite:///") and "ashby-demo-" in place, out
        places.append(place)
    assert places[0] != places[1]
