"""What the main listings print at 80 and 120 columns, kept as files under tests/e2e/snapshots/:
a change to a layout shows in review as a change to its snapshot, and no line may pass the width.

The data is real (a sync of a seeded emulated organisation, the CLI's own commands); what changes
from run to run is fixed before rendering (durations, lags, times of day) or masked after it at the
same width (ids, keys, paths), so a snapshot only moves when the output does.

To write them anew after a deliberate change: ``ASHBY_CONNECTOR_UPDATE_SNAPSHOTS=1 .venv/bin/pytest
tests/e2e/test_cli_snapshots.py``, then review the diff of tests/e2e/snapshots/.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from ashby_connector.cli import app
from ashby_connector.emulator import EmulatorHandle, run_emulator
from ashby_connector.store import Store
from ashby_connector.sync.plan import Plan
from ashby_connector.sync.report import SyncReport

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("ASHBY_CONNECTOR_UPDATE_SNAPSHOTS") == "1"
WIDTHS = [80, 120]
# Ids and keys: masked at their own width, so the layout around them is what was printed.
MASKS = [
    re.compile(r"\b(conn|tenant|sync|run|key|ack|pk)_[0-9A-Za-z]{8,}"),
    re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),
    re.compile(r"\b\d{4}-\d{2}-\d{2}(?=\b|T)"),  # today's date, where a time carries it
]


def _masked(match: re.Match[str]) -> str:
    prefix, sep, rest = match.group(0).rpartition("_")
    return prefix + sep + "x" * len(rest)


def _mask(text: str) -> str:
    for pattern in MASKS:
        text = pattern.sub(_masked, text)
    return text


def check(name: str, width: int, output: str) -> None:
    output = _mask(output)
    too_wide = [line for line in output.splitlines() if len(line) > width]
    assert too_wide == [], f"{name} at {width} columns:\n" + "\n".join(too_wide)
    path = SNAPSHOTS / f"{name}-{width}.txt"
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(output)
        return
    assert path.exists(), f"no snapshot {path.name}: run with ASHBY_CONNECTOR_UPDATE_SNAPSHOTS=1"
    expected = path.read_text()
    diff = "".join(difflib.unified_diff(expected.splitlines(True), output.splitlines(True), "stored", "now"))
    assert output == expected, (
        f"{path.name} changed (ASHBY_CONNECTOR_UPDATE_SNAPSHOTS=1 rewrites it):\n{diff}"
    )


def _console(width: int) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=width, color_system=None, highlight=False, soft_wrap=False), out


def _steady(report: SyncReport) -> SyncReport:
    """The report with its clock readings fixed: every duration 0.4 s, usable after 0.8 s."""
    for stream in report.streams:
        stream.duration = 0.4
    report.duration = 1.2
    if report.usable_after is not None:
        report.usable_after = 0.8
    return report


plans: list[Plan] = []  # the seeded organisation's first-run plan, made by the fixture below


@pytest.fixture(scope="module")
def seeded(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[EmulatorHandle, Store, SyncReport, SyncReport]]:
    """A small seeded organisation of its own (the shared one changes under other tests), synced
    in full through the core as ``ashby-connector sync`` runs it (so the runs are recorded),
    changed through its API, then synced incrementally."""
    from ashby_connector import AshbyClient
    from ashby_connector.core.app import Core
    from ashby_connector.core.connections.clients import key_clients
    from ashby_connector.core.syncs.modes import Mode

    db = tmp_path_factory.mktemp("snapshots") / "copy.db"
    plans.clear()
    with (
        run_emulator(seed=11, candidates=20, rate_limit_per_minute=None) as emu,
        Store.open(f"sqlite:///{db}") as store,
        AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None) as client,
        contextlib.closing(
            Core.single_key(
                store, key_clients(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None)
            )
        ) as core,
    ):
        # The plan a first `sync --plan` prints, at Ashby's budget (so it shows minutes).
        at_budget = key_clients(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=1000)
        with contextlib.closing(Core.single_key(store, at_budget)) as planner:
            plans.append(planner.syncs.plan("default", mode=Mode.FULL))
        full = core.syncs.run("default", mode=Mode.FULL).report_or_raise()
        job = next(j for j in client.call("job.list") if j["status"] == "Open")
        for n in range(3):
            candidate = client.call("candidate.create", {"name": f"Snapshot Candidate {n}"})
            client.call("application.create", {"candidateId": candidate["id"], "jobId": job["id"]})
        emu.control.expire_tokens(kinds=["user"])
        incremental = core.syncs.run("default", mode=Mode.INCREMENTAL).report_or_raise()
        assert full.ok and incremental.ok
        yield emu, store, _steady(full), _steady(incremental)


@pytest.mark.parametrize("width", WIDTHS)
def test_sync_summary(width: int, seeded: Any) -> None:
    from ashby_connector.cli._sync_view import summary_table
    from ashby_connector.cli._tables import show

    _, _, full, incremental = seeded
    console, out = _console(width)
    show(console, summary_table(full))
    show(console, summary_table(incremental, title="Incremental sync"))
    check("sync-summary", width, out.getvalue())


@pytest.mark.parametrize("width", WIDTHS)
def test_sync_plan(width: int, seeded: Any) -> None:
    from ashby_connector.cli._sync_view import plan_table
    from ashby_connector.cli._tables import show

    console, out = _console(width)
    show(console, plan_table(plans[0]))
    check("sync-plan", width, out.getvalue())


@pytest.mark.parametrize("width", WIDTHS)
def test_demo_summary(width: int, seeded: Any) -> None:
    from ashby_connector.cli import _demo

    _, _, full, incremental = seeded
    console, out = _console(width)
    console.print(_demo._changed_table(incremental))
    _demo._show_result(console, full, incremental, floor=full.requests - 1)
    check("demo-summary", width, out.getvalue())


def _fixed_times(value: Any) -> Any:
    """Every time of the status fixed at 10:00:00 today (shown as a time of day), every lag 42 s."""
    today = datetime.now(UTC).date().isoformat()
    if isinstance(value, dict):
        fixed = {}
        for key, item in value.items():
            if key.endswith("At") and isinstance(item, str):
                fixed[key] = f"{today}T10:00:00+00:00"
            elif key.endswith("Seconds") and isinstance(item, int | float) and key != "fastEverySeconds":
                fixed[key] = 42
            else:
                fixed[key] = _fixed_times(item)
        return fixed
    if isinstance(value, list):
        return [_fixed_times(item) for item in value]
    return value


@pytest.mark.parametrize("width", WIDTHS)
def test_sync_status(width: int, seeded: Any) -> None:
    from ashby_connector.cli.status_commands import print_status
    from ashby_connector.core.freshness.overview import connection_statuses

    _, store, _, _ = seeded
    console, out = _console(width)
    print_status(console, _fixed_times(connection_statuses(store, ["default"])[0]))
    check("sync-status", width, out.getvalue())


@pytest.mark.parametrize("width", WIDTHS)
def test_operations(width: int) -> None:
    listed = CliRunner().invoke(app, ["operations", "--module", "candidate"], env={"COLUMNS": str(width)})
    assert listed.exit_code == 0, listed.output
    check("operations-candidate", width, listed.output)


@pytest.mark.parametrize("width", WIDTHS)
def test_keys_and_connections(width: int, seeded: Any, tmp_path: Path) -> None:
    emu, _, _, _ = seeded
    runner = CliRunner()
    env = {"COLUMNS": str(width), "ASHBY_CONNECTOR_MASTER_KEY_FILE": str(tmp_path / "m.key")}
    db = ["--db", f"sqlite:///{tmp_path / 'server.db'}"]
    key = runner.invoke(app, ["keys", "create", "--name", "acme", *db], env=env).output.splitlines()[-1]
    ashby = ["--key", key, *db, "--base-url", emu.base_url, "--api-key", emu.api_key]
    added = runner.invoke(
        app,
        ["connections", "add", "--owner-id", "customer-42", "--operations", "atsCandidate::list", *ashby],
        env=env,
    )
    assert added.exit_code == 0, added.output
    runner.invoke(app, ["connections", "add", "--owner-id", "customer-43", *ashby], env=env)
    listed = runner.invoke(app, ["connections", "list", "--key", key, *db], env=env)
    keys = runner.invoke(app, ["keys", "list", *db], env=env)
    assert listed.exit_code == 0 and keys.exit_code == 0, listed.output + keys.output
    check("connections", width, added.output + listed.output + keys.output)
