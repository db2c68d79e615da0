"""``ashby-connector demo``: what the sync does, shown on an emulated organisation in under a minute."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from ashby_connector.cli._sync_view import error_lines
from ashby_connector.core import Store
from ashby_connector.core.app import Core
from ashby_connector.core.connections.clients import key_clients
from ashby_connector.core.freshness.overview import connection_statuses
from ashby_connector.core.syncs import SyncReport
from ashby_connector.core.syncs.history import SyncRun
from ashby_connector.core.syncs.modes import Mode

NEW_CANDIDATES = 12
STAGE_MOVES = 15
EXPIRED_STREAM = "user"
SCHEDULE_SECONDS = 2.0  # step 4's schedule: short, so the demo stays quick


def _sync(core: Core, connection_id: str, mode: Mode = Mode.INCREMENTAL) -> SyncReport:
    """One run through the core, as ``ashby-connector sync`` runs it (trigger ``cli``). No live
    display: redrawing it competed with the run, so a terminal was slower than a pipe."""
    return core.syncs.run(connection_id, mode=mode).report_or_raise()


def _child_requests(report: SyncReport) -> int:
    usable = report.usable_requests if report.usable_requests is not None else report.requests
    return report.requests - usable


def run(console: Console, store: Store, *, candidates: int, seed: int, connection_id: str) -> bool:
    from ashby_connector.cli.emulator_commands import embedded

    # Lines broken where they read well: at 80 columns (every pipe) nothing wraps mid-phrase.
    console.print(
        f"[bold]ashby-connector demo[/]: an emulated Ashby ({candidates:,} candidates, seed {seed}),\n"
        f"  copied into {store.url} (connection '{connection_id}')"
    )
    started = time.monotonic()
    with (
        embedded(seed=seed, candidates=candidates, rate_limit_per_minute=None) as emu,
        # The changes of step 2 go through Ashby's API, with the same key the syncs use.
        key_clients(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None)("demo") as client,
        contextlib.closing(
            Core.single_key(
                store, key_clients(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None)
            )
        ) as core,
    ):
        console.rule("[bold]1. The plan, then a full sync")
        plan = core.syncs.plan(connection_id, mode=Mode.FULL)
        top_level = [s for s in plan.streams if s.stage == "top-level"]
        # One request per 100 records of every top-level list: what any copy must at least cost.
        floor = sum(s.requests for s in top_level)
        console.print(
            f"Plan: {plan.requests:,} requests, the copy usable after {plan.usable_requests:,}\n"
            f"  ({len(top_level)} top-level lists, then child lists); "
            f"counting the lists took {plan.count_requests:,} requests."
        )
        full = _sync(core, connection_id, Mode.RECONCILE)
        _print_errors(console, full)
        console.print(
            f"Full sync: {full.fetched:,} records in {full.requests:,} requests and {full.duration:.1f} s;\n"
            f"  usable after {full.usable_requests or full.requests:,} requests "
            f"({full.usable_after or full.duration:.1f} s)."
        )

        console.rule("[bold]2. Changes in the emulated Ashby (through its API)")
        changes, archived_job = _make_changes(client, store, connection_id)
        # Only the user stream's token: step 3 shows that stream falling back to a full sync by
        # itself while every other stream fetches only what changed.
        emu.control.expire_tokens(kinds=[EXPIRED_STREAM])
        changes.append(f"{EXPIRED_STREAM} stream: its syncToken was expired in the emulator (no other)")
        for line in changes:
            console.print(f"  • {line}")

        console.rule("[bold]3. Incremental sync")
        incremental = _sync(core, connection_id)
        _print_errors(console, incremental)
        console.print(_changed_table(incremental))
        _show_result(console, full, incremental, floor)
        _show_store(console, store, connection_id)
        job = store.get(connection_id, "job", archived_job) or {}
        console.print(f"Job '{job.get('title')}' in the store now: status {job.get('status')}.")

        console.rule("[bold]4. Kept fresh by a schedule: nobody starts the next sync")
        scheduled = _scheduled_run(console, emu, client, store, connection_id)
        _print_status_line(console, connection_statuses(store, [connection_id])[0])
    console.print(f"[dim]demo finished in {time.monotonic() - started:.1f}s;\nthe copy is in {store.url}[/]")
    return full.ok and incremental.ok and scheduled


def _changed_table(report: SyncReport) -> Table:
    """The streams the incremental run changed or noted, in columns that fit 80: names whole."""
    table = Table(title="Incremental sync: streams that changed", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("stream", no_wrap=True)
    table.add_column("mode", no_wrap=True)
    for name in ("fetched", "changed", "requests"):
        table.add_column(name, justify="right", no_wrap=True)
    for s in report.streams:
        if s.changed or s.notes:
            table.add_row(s.stream, s.mode, f"{s.fetched:,}", f"{s.changed:,}", f"{s.requests:,}")
    return table


def _print_status_line(console: Console, st: dict[str, Any]) -> None:
    """The status of the copy in one line (``ashby-connector status`` shows every list)."""
    streams = st["streams"]
    lags = [s["lagSeconds"] for s in streams if s.get("lagSeconds") is not None]
    candidate: dict[str, Any] = next((s for s in streams if s["stream"] == "candidate"), {})
    minutes = st["schedule"]["incrementalEveryMinutes"]
    console.print(
        f"sync status of {st['connectionId']}: {len(streams)} lists, lag at most "
        f"{max(lags, default=0):.0f} s (candidate: {candidate.get('records', 0):,} records);\n"
        f"  schedule: incremental every {minutes * 60:.3g} s (`ashby-connector status` shows each list)"
    )


def _scheduled_run(console: Console, emu: Any, client: Any, store: Store, connection_id: str) -> bool:
    """A candidate renamed in Ashby, then a short schedule: its first run, started by the
    scheduler alone, brings the change. True when that run succeeded and brought it."""
    from ashby_connector.cli._every import run_every

    candidate = store.list(connection_id, "candidate", limit=1).records[0]
    renamed = f"{candidate.raw.get('name')} (renamed in Ashby)"
    client.call("candidate.update", {"candidateId": candidate.id, "name": renamed})
    console.print(f"  • candidate '{candidate.raw.get('name')}' renamed in the emulated Ashby")
    runs: list[SyncRun] = []
    stop = threading.Event()

    def on_run(run: SyncRun) -> None:
        runs.append(run)
        stop.set()

    run_every(
        console,
        store,
        key_clients(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None),
        connection_id,
        every_seconds=SCHEDULE_SECONDS,
        reconcile_every_seconds=24 * 3600,
        stop=stop,
        tick_seconds=0.1,
        on_run=on_run,
        sync_first=False,
    )
    stored = store.get(connection_id, "candidate", candidate.id) or {}
    brought = bool(runs) and runs[0].trigger == "schedule" and runs[0].status == "succeeded"
    brought = brought and stored.get("name") == renamed
    console.print(
        f"The scheduled run brought the rename: the store says\n  '{stored.get('name')}'."
        if brought
        else "[bold red]The scheduled run did not bring the rename.[/]"
    )
    return brought


def _make_changes(client: Any, store: Store, connection_id: str) -> tuple[list[str], str]:
    """New candidates with applications, stage moves, an archived job: a realistic hour in Ashby."""
    jobs = [r.raw for r in store.list(connection_id, "job", limit=1000).records]
    open_jobs = [j for j in jobs if j.get("status") == "Open"]
    done: list[str] = []
    target = open_jobs[0]
    for i in range(NEW_CANDIDATES):
        cand = client.call(
            "candidate.create", {"name": f"Demo Candidate {i + 1}", "email": f"demo{i + 1}@example.com"}
        )
        client.call("application.create", {"candidateId": cand["id"], "jobId": target["id"]})
    done.append(f"{NEW_CANDIDATES} new candidates, each applying to '{target.get('title')}'")
    moved = 0
    for app in store.list(connection_id, "application", limit=2000, filters={"status": "Active"}).records:
        stage = app.raw.get("currentInterviewStage") or {}
        plan = stage.get("interviewPlanId")
        if not plan:
            continue
        stages = sorted(
            (r.raw for r in store.list(connection_id, "interviewStage", parent_id=plan, limit=100).records),
            key=lambda s: s.get("orderInInterviewPlan", 0),
        )
        later = [
            s
            for s in stages
            if s.get("orderInInterviewPlan", 0) > stage.get("orderInInterviewPlan", 0)
            and s.get("type") not in ("Archived", "Hired")
        ]
        if not later:
            continue
        client.call("application.changeStage", {"applicationId": app.id, "interviewStageId": later[0]["id"]})
        moved += 1
        if moved == STAGE_MOVES:
            break
    done.append(f"{moved} applications moved to their next interview stage")
    archived = open_jobs[-1]
    client.call("job.setStatus", {"jobId": archived["id"], "status": "Closed"})
    client.call("job.setStatus", {"jobId": archived["id"], "status": "Archived"})
    done.append(f"job '{archived.get('title')}' closed, then archived (job.setStatus)")
    return done, str(archived["id"])


def _print_errors(console: Console, report: SyncReport) -> None:
    """The run's warnings (a list the account lacks, a syncToken that expired), then its errors."""
    for warning in report.warnings:
        console.print(f"warning: {warning}", markup=False, highlight=False)
    for stream in report.streams:
        for note in stream.notes:
            console.print(f"warning: {stream.stream}: {note}", markup=False, highlight=False)
    for line in error_lines(report):
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def _show_result(console: Console, full: SyncReport, inc: SyncReport, floor: int) -> None:
    """Requests of both syncs, top-level and child lists apart: they cost differently. A top-level
    list costs a request per 100 records in a full sync and one when little changed; the 'changed'
    child list applicationHistory costs one request per changed application, which the full sync
    of a new copy does not fetch at all: why the incremental total can pass the full one."""
    table = Table(title="Requests per sync", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("")
    table.add_column("full", justify="right")
    table.add_column("incremental", justify="right")
    table.add_column("why")
    table.add_row(
        "top-level lists",
        f"{full.requests - _child_requests(full):,}",
        f"{inc.requests - _child_requests(inc):,}",
        f"floor {floor:,}; incremental: ~1 per list",
    )
    table.add_row(
        "child lists",
        f"{_child_requests(full):,}",
        f"{_child_requests(inc):,}",
        "one per parent fetched",
    )
    table.add_row("total", f"{full.requests:,}", f"{inc.requests:,}", "")
    table.add_row("records fetched", f"{full.fetched:,}", f"{inc.fetched:,}", "")
    console.print(table)


def _show_store(console: Console, store: Store, connection_id: str) -> None:
    newest = store.list(connection_id, "candidate", limit=1000, filters={}).records
    demo_names = sorted(
        str(r.raw.get("name")) for r in newest if str(r.raw.get("name", "")).startswith("Demo ")
    )
    console.print(f"In the store now: {len(demo_names)} demo candidates ({', '.join(demo_names[:2])}, ...).")
