"""What the commands print fits a reader: a few lines by default, everything with --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from ashby_connector.cli import app
from ashby_connector.emulator import EmulatorHandle
from ashby_connector.store import Store


def test_connections_add_says_what_the_key_can_do_in_a_few_lines(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'c.db'}"
    env = {"COLUMNS": "80", "ASHBY_CONNECTOR_MASTER_KEY_FILE": str(tmp_path / "m.key")}
    key = runner.invoke(app, ["keys", "create", "--name", "acme", "--db", db], env=env).output.splitlines()[
        -1
    ]
    common = ["--key", key, "--db", db, "--base-url", emulator.base_url, "--api-key", emulator.api_key]
    added = runner.invoke(
        app,
        ["connections", "add", "--owner-id", "o-1", "--operations", "atsCandidate::list", *common],
        env=env,
    )
    assert added.exit_code == 0, added.output
    lines = added.output.splitlines()
    assert 3 <= len(lines) <= 6, added.output
    assert lines[0].startswith("added conn_") and "for o-1" in lines[0]
    assert "requested operations: ready" in added.output
    full = runner.invoke(app, ["connections", "add", "--owner-id", "o-2", "--json", *common], env=env)
    report = json.loads(full.output)
    assert report["ownerId"] == "o-2" and report["access"]["models"]


def _tokens(output: str) -> set[str]:
    return {t.strip("│┃;,:()") for t in output.split()}


def _fits(output: str, width: int) -> None:
    assert "…" not in output, output  # nothing cut short
    too_wide = [line for line in output.splitlines() if len(line) > width]
    assert too_wide == [], too_wide


@pytest.mark.parametrize("width", [80, 120])
def test_operations_and_status_fit_without_cutting_a_name(width: int, tmp_path: Path) -> None:
    from ashby_connector import catalog

    runner = CliRunner()
    env = {"COLUMNS": str(width)}
    listed = runner.invoke(app, ["operations", "--module", "candidate"], env=env)
    assert listed.exit_code == 0, listed.output
    _fits(listed.output, width)
    names = [op.name for op in catalog.operations() if op.name.startswith("candidate.")]
    assert names and set(names) <= _tokens(listed.output), set(names) - _tokens(listed.output)

    db = f"sqlite:///{tmp_path / 's.db'}"
    synced = runner.invoke(app, ["sync", "--emulator", "--candidates", "20", "--db", db], env=env)
    assert synced.exit_code == 0, synced.output
    _fits(synced.output, width)
    status = runner.invoke(app, ["status", "--db", db], env=env)
    assert status.exit_code == 0, status.output
    _fits(status.output, width)
    with Store.open(db) as store:
        rows = store.engine.connect().execute(sa.text("SELECT stream FROM sync_state"))
        streams = {s.split(":")[0] for (s,) in rows}  # partitions (list:kind) show as their list
    assert streams and streams <= _tokens(status.output), streams - _tokens(status.output)


def test_listings_have_json(tmp_path: Path) -> None:
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'k.db'}"
    key = runner.invoke(app, ["keys", "create", "--name", "acme", "--db", db]).output.splitlines()[-1]
    keys = json.loads(runner.invoke(app, ["keys", "list", "--db", db, "--json"]).output)
    assert [k["name"] for k in keys] == ["acme"] and keys[0]["revoked"] is False
    connections = runner.invoke(app, ["connections", "list", "--key", key, "--db", db, "--json"]).output
    assert json.loads(connections) == []
    assert json.loads(runner.invoke(app, ["operations", "--json", "--module", "job"]).output)


def test_a_piped_error_is_one_line_however_narrow() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from ashby_connector.cli import main; main()",
            "call",
            "candidate.nosuchthing",
        ],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "COLUMNS": "40"},
    )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
