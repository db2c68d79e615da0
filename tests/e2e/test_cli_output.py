"""What the commands print fits a reader: a few lines by default, everything with --json."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ashby_connector.cli import app
from ashby_connector.emulator import EmulatorHandle


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
