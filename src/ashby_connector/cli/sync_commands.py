"""``sync``, ``demo`` and ``hiring-team``: the store and sync parts on the command line."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from ashby_connector.cli._app import CommandGroup, app, fail
from ashby_connector.cli._options import (
    DEFAULT_BASE_URL,
    DEFAULT_CANDIDATES,
    DEFAULT_DB,
    DEFAULT_FAST_STREAMS,
    ApiKey,
    BaseUrl,
    Db,
    new_sqlite_file,
    remove_sqlite_file,
)
from ashby_connector.cli._tables import show
from ashby_connector.cli._waiting import DEFAULT_GIVE_UP_AFTER, GiveUpAfter, patient, told_when_unreachable
from ashby_connector.core.syncs.modes import Mode

if TYPE_CHECKING:  # imported where a command runs, so that --help starts at once
    from ashby_connector.core import Store
    from ashby_connector.core.app import Core
    from ashby_connector.core.syncs import Plan, SyncReport

INTERRUPTED_EXIT = 130


def _fail(console: Console, message: str, code: int = 1) -> typer.Exit:
    return fail(message, code)


@contextlib.contextmanager
def _emulated(candidates: int) -> Iterator[tuple[str, str]]:
    """An embedded emulator in this process: yields (base_url, api_key)."""
    from ashby_connector.cli.emulator_commands import embedded

    with embedded(candidates=candidates, rate_limit_per_minute=None) as emu:
        yield emu.base_url, emu.api_key


@contextlib.contextmanager
def stop_on_ctrl_c(console: Console) -> Iterator[threading.Event]:
    """The first Ctrl-C asks the sync to stop after the pages being stored; a second one stops at
    once (KeyboardInterrupt). Outside the main thread (tests, embedding) nothing is installed."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def first(_signum: int, _frame: Any) -> None:
        stop.set()
        console.print("[yellow]stopping after the pages being stored (Ctrl-C again to stop at once)[/]")
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, first)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def run_sync(
    console: Console,
    core: Core,
    *,
    connection_id: str,
    streams: list[str] | None,
    mode: Mode,
    json_output: bool,
    rate_limit_per_minute: float | None = 1000,
    plan_only: bool = False,
    wait: bool = False,
) -> SyncReport | Plan:
    """One run of the connection through the core (lease, history with trigger ``cli``, events,
    metrics, log line), drawn as it goes; or, with ``plan_only``, its plan."""
    from ashby_connector.cli._sync_view import SyncProgress

    if plan_only:
        return core.syncs.plan(connection_id, mode=mode, streams=streams)
    going = core.syncs.running_run(connection_id)
    if going is not None and wait:
        console.print(f"waiting for {going.id} ({going.trigger}, {going.mode}) to finish", markup=False)
    with stop_on_ctrl_c(console) as stop:
        if json_output:
            outcome = core.syncs.run(connection_id, mode=mode, streams=streams, wait=wait, stop=stop)
        else:
            with SyncProgress(console, rate_per_minute=rate_limit_per_minute) as progress:
                outcome = core.syncs.run(
                    connection_id, mode=mode, streams=streams, wait=wait, stop=stop, on_progress=progress
                )
    return outcome.report_or_raise()


@app.command()
def sync(
    api_key: ApiKey = None,
    base_url: BaseUrl = DEFAULT_BASE_URL,
    db: Db = DEFAULT_DB,
    streams: Annotated[str | None, typer.Option(help="Comma-separated streams (candidate,user,...).")] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Ignore saved syncTokens: re-list everything.")
    ] = False,
    reconcile: Annotated[
        bool, typer.Option("--reconcile", help="On full runs, mark records that vanished as deleted.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="If a sync of the connection is running, wait for it, then sync.")
    ] = False,
    emulator: Annotated[bool, typer.Option("--emulator", help="Sync from an embedded emulator.")] = False,
    candidates: Annotated[
        int, typer.Option(help="With --emulator: candidates it generates.")
    ] = DEFAULT_CANDIDATES,
    connection: Annotated[str, typer.Option(help="Connection id (one per Ashby account).")] = "default",
    concurrency: Annotated[int, typer.Option(help="Streams fetched at once.")] = 6,
    rate_limit: Annotated[float, typer.Option(help="Requests per minute for this key (0 = off).")] = 1000,
    children: Annotated[
        str | None,
        typer.Option(
            help="Child list policies: candidateNote=eager,applicationHistory=changed,... "
            "(eager, changed, lazy, off; see docs/sync.md)."
        ),
    ] = None,
    plan: Annotated[
        bool, typer.Option("--plan", help="Show the requests and time each stream needs; sync nothing.")
    ] = False,
    operation_limit: Annotated[
        list[str] | None,
        typer.Option(
            help="A list's own budget, operation=requests per minute (repeatable), "
            "e.g. application.listHistory=100."
        ),
    ] = None,
    every: Annotated[
        str | None,
        typer.Option(help="Sync now, then incrementally at this interval (30s, 15m, 2h) until Ctrl-C."),
    ] = None,
    reconcile_every: Annotated[
        str, typer.Option(help="With --every: reconcile (re-list, mark deletions) at this interval.")
    ] = "24h",
    fast_every: Annotated[
        str | None,
        typer.Option(
            help="With --every: also poll --fast-streams at this short interval (3s: 20 requests a "
            "minute per list when nothing changed)."
        ),
    ] = None,
    fast_streams: Annotated[
        str, typer.Option(help="With --fast-every: the lists polled (top-level lists with a syncToken).")
    ] = ",".join(DEFAULT_FAST_STREAMS),
    give_up_after: GiveUpAfter = DEFAULT_GIVE_UP_AFTER,
) -> None:
    """Copy an Ashby account into the local store: incremental by syncToken, resumable."""
    from ashby_connector.cli._sync_view import error_lines, plan_table, summary_table
    from ashby_connector.cli.status_commands import parse_duration
    from ashby_connector.core import Store, StoreError
    from ashby_connector.core.app import Core
    from ashby_connector.core.connections import ChildPolicyError, parse_children
    from ashby_connector.core.connections.clients import key_clients
    from ashby_connector.core.connections.operation_limits import parse_operation_limits
    from ashby_connector.core.errors import CoreError
    from ashby_connector.core.freshness.schedules import ScheduleError, check_fast_lane
    from ashby_connector.core.syncs import Plan, SyncAbortedError
    from ashby_connector.core.syncs.runs import SyncRunningError
    from ashby_connector.core.syncs.service import RunFailedError

    console = Console(stderr=json_output)
    if not emulator and not api_key:
        raise _fail(console, "no API key: pass --api-key or set ASHBY_API_KEY (or use --emulator)", 2)
    try:
        policies = parse_children(children)
        limits = parse_operation_limits(operation_limit)
    except (ChildPolicyError, ValueError) as exc:
        raise _fail(console, str(exc), 2) from None
    every_seconds = parse_duration(every, "--every") if every else None
    reconcile_seconds = parse_duration(reconcile_every, "--reconcile-every")
    fast_seconds = parse_duration(fast_every, "--fast-every") if fast_every else 0.0
    polled = tuple(s.strip() for s in fast_streams.split(",") if s.strip())
    try:
        polled = check_fast_lane(fast_seconds, polled)
    except ScheduleError as exc:
        option = "--fast-every" if exc.field == "fastEverySeconds" else "--fast-streams"
        raise _fail(console, f"{option}: {exc}", 2) from None
    if fast_seconds and every_seconds is None:
        raise _fail(console, "--fast-every needs --every (the lane runs beside the schedule)", 2)
    selected = [s.strip() for s in streams.split(",") if s.strip()] if streams else None
    new_file = new_sqlite_file(db)
    if plan and new_file is not None:
        db = "sqlite://"  # a plan writes nothing: no database to estimate from, none made
        new_file = None
    try:
        store = Store.open(db)
    except StoreError as exc:
        raise _fail(console, str(exc), 2) from None
    outcome: SyncReport | Plan | None = None
    try:
        with contextlib.ExitStack() as stack:
            if emulator:
                base_url, api_key = stack.enter_context(_emulated(candidates))
                rate_limit = 0
            assert api_key is not None
            if every_seconds is not None:
                _sync_every(
                    console,
                    store,
                    api_key,
                    base_url,
                    connection,
                    selected,
                    every_seconds,
                    reconcile_seconds,
                    rate_limit,
                    fast_seconds,
                    polled,
                    policies,
                )
                raise typer.Exit(0)

            core = stack.enter_context(
                contextlib.closing(
                    Core.single_key(
                        store,
                        key_clients(
                            api_key,
                            base_url=base_url,
                            rate_limit_per_minute=rate_limit or None,
                            operation_limits=limits,
                            **patient(give_up_after),
                        ),
                        children=policies,
                        concurrency=concurrency,
                    )
                )
            )
            stack.enter_context(told_when_unreachable(base_url, give_up_after))
            report = run_sync(
                console,
                core,
                connection_id=connection,
                streams=selected,
                mode=Mode.of(full=full, reconcile=reconcile),
                json_output=json_output,
                rate_limit_per_minute=rate_limit or None,
                plan_only=plan,
                wait=wait,
            )
            outcome = report
    except SyncRunningError as exc:
        raise _fail(console, exc.message) from None
    except CoreError as exc:
        raise _fail(console, exc.message, 2 if exc.bad_input else 1) from None
    except RunFailedError as exc:
        raise _fail(console, str(exc)) from None
    except SyncAbortedError as exc:
        raise _fail(console, str(exc)) from None
    except StoreError as exc:
        raise _fail(console, str(exc), 2) from None
    except KeyboardInterrupt:
        console.print("interrupted: rerun to resume")
        raise typer.Exit(INTERRUPTED_EXIT) from None
    finally:
        store.close()
        if new_file is not None and (outcome is None or not getattr(outcome, "fetched", 1)):
            # A first sync that stored nothing (a wrong key, Ashby unreachable) leaves no file behind.
            remove_sqlite_file(new_file)
    if isinstance(report, Plan):
        if json_output:
            typer.echo(json.dumps(report.to_dict()))
        else:
            show(console, plan_table(report))
        raise typer.Exit(0)
    if json_output:
        typer.echo(json.dumps(report.to_dict()))
    else:
        show(console, summary_table(report))
        console.print(f"store: {store.url}")
    for line in error_lines(report):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if report.interrupted:
        console.print("interrupted: rerun to resume", markup=False)
        raise typer.Exit(INTERRUPTED_EXIT)
    raise typer.Exit(0 if report.ok else 1)


def _sync_every(
    console: Console,
    store: Store,
    api_key: str,
    base_url: str,
    connection_id: str,
    streams: list[str] | None,
    every_seconds: float,
    reconcile_seconds: float,
    rate_limit: float,
    fast_seconds: float,
    fast_streams: tuple[str, ...],
    children: Mapping[str, str] | None = None,
) -> None:
    from ashby_connector.cli._app import long_running_logs
    from ashby_connector.cli._every import run_every
    from ashby_connector.core.connections.clients import key_clients

    long_running_logs()
    run_every(
        console,
        store,
        key_clients(api_key, base_url=base_url, rate_limit_per_minute=rate_limit or None),
        connection_id,
        every_seconds=every_seconds,
        reconcile_every_seconds=reconcile_seconds,
        streams=streams,
        fast_every_seconds=fast_seconds,
        fast_streams=fast_streams,
        children=children,
    )


hiring_team = CommandGroup(
    help="Hiring teams: look a user up by email and add them to a job.", no_args_is_help=True
)
app.add_typer(hiring_team, name="hiring-team")


@hiring_team.command("add")
def hiring_team_add(
    email: Annotated[str, typer.Option(help="The Ashby user's email (looked up with user.search).")],
    job_id: Annotated[str, typer.Option(help="The job to add them to.")],
    role: Annotated[str, typer.Option(help="Role id, or a role title from hiringTeamRole.list.")],
    api_key: ApiKey = None,
    base_url: BaseUrl = DEFAULT_BASE_URL,
) -> None:
    """user.search by email, then hiringTeam.addMember on the job (the integration guide's scenario)."""
    from ashby_connector.core.connections.clients import key_clients
    from ashby_connector.core.directory.hiring_team import add_member
    from ashby_connector.core.errors import AshbyError

    console = Console()
    if not api_key:
        raise _fail(console, "no API key: pass --api-key or set ASHBY_API_KEY", 2)
    try:
        with key_clients(api_key, base_url=base_url, rate_limit_per_minute=1000)("hiring-team") as client:
            added = add_member(client, email, job_id, role)
    except AshbyError as exc:
        raise _fail(console, str(exc)) from None
    if added is None:
        raise _fail(console, f"no Ashby user with email {email}")
    console.print(
        f"added [bold]{added.name or email}[/] ({added.user['id']}) to job {job_id} as role {added.role_id}"
    )
    console.print_json(json.dumps(added.result))


# -- demo ----------------------------------------------------------------------------------------

DEMO_CONNECTION = "demo"


@app.command()
def demo(
    candidates: Annotated[
        int, typer.Option(help="Candidates in the seeded organisation.")
    ] = DEFAULT_CANDIDATES,
    db: Annotated[
        str | None,
        typer.Option(help="Where the local copy goes (default: a new database in a new temporary folder)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the emulated organisation.")] = 7,
) -> None:
    """Full sync from an embedded emulator, a batch of changes, then an incremental sync."""
    import tempfile

    from ashby_connector.cli import _demo
    from ashby_connector.core import Store, StoreError
    from ashby_connector.core.syncs.service import RunFailedError

    console = Console()
    if db is None:
        # Fresh each run: a second demo must not build on the first one's copy.
        db = f"sqlite:///{tempfile.mkdtemp(prefix='ashby-demo-')}/ashby.db"
    try:
        store = Store.open(db)
    except StoreError as exc:
        raise _fail(console, str(exc), 2) from None
    try:
        ok = _demo.run(console, store, candidates=candidates, seed=seed, connection_id=DEMO_CONNECTION)
    except (RunFailedError, StoreError) as exc:
        raise _fail(console, str(exc)) from None
    finally:
        store.close()
    raise typer.Exit(0 if ok else 1)


# -- distributed worker --------------------------------------------------------------------------

worker_app = CommandGroup(
    help="Distributed sync workers on PostgreSQL (procrastinate).", no_args_is_help=True
)
app.add_typer(worker_app, name="worker")


def _single_key_factory(api_key: str | None, base_url: str, rate_limit: float) -> Any:
    """One key for every connection id: single-account use. The server part registers connections
    with their own keys and runs syncs through its own factory."""
    from ashby_connector.core.connections.clients import key_clients

    if not api_key:
        raise typer.BadParameter("no API key: pass --api-key or set ASHBY_API_KEY")
    return key_clients(api_key, base_url=base_url, rate_limit_per_minute=rate_limit or None)


def _server_connections_runner(db: str, base_url: str, rate_limit: float) -> tuple[Any, Any]:
    """Syncs of the server's connections: each job uses its connection's own (cached) client, and
    its changes become unified events for subscribers, exactly as syncs the server runs. Runs a
    killed process left ``running`` are marked interrupted first. Returns the runner and the core
    (whose connections the scheduler keeps fresh)."""
    from ashby_connector.core.app import Core
    from ashby_connector.core.settings import Settings
    from ashby_connector.worker.distributed import DistributedRunner

    settings = Settings(db_url=db, ashby_base_url=base_url, rate_limit_per_minute=rate_limit or None)
    core = Core.open(settings)
    core.start(background=False)
    runner = DistributedRunner(
        db,
        core.clients.require,
        on_change_for=core.events.for_connection,
        on_finished=core.events.sync_finished,
        store=core.store,
        key_source=core.clients.get,
    )
    return runner, core


def _worker_freshness(runner: Any, connections: Any) -> Any:
    """The worker's scheduler: due runs of ``connections()`` are queued (once across workers);
    the fast lane's polls of connections with webhooks on run here (each poll once across every
    worker and the server)."""
    from ashby_connector.core.freshness.workers import worker_freshness

    return worker_freshness(
        runner.store(),
        connections=connections,
        dispatch=runner.schedule,
        poll=lambda connection_id, streams: runner.runs().poll(connection_id, streams),
        sweep=runner.release_stalled,
    )


@worker_app.command("run")
def worker_run(
    db: Db,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            envvar="ASHBY_API_KEY",
            help="One Ashby key for every job (single account). Without it, jobs use the keys of the "
            "server's connections and queue unified events for subscribers.",
        ),
    ] = None,
    base_url: BaseUrl = DEFAULT_BASE_URL,
    concurrency: Annotated[int, typer.Option(help="Syncs this worker runs at once.")] = 2,
    once: Annotated[bool, typer.Option("--once", help="Exit when the queue is empty.")] = False,
    rate_limit: Annotated[float, typer.Option(help="Requests per minute per key (0 = off).")] = 1000,
    schedule: Annotated[
        bool,
        typer.Option(
            "--schedule/--no-schedule",
            help="Queue due scheduled syncs too (each due run once, whichever worker sees it first).",
        ),
    ] = True,
    connection: Annotated[
        str, typer.Option(help="With --api-key: the connection id the schedule keeps fresh.")
    ] = "default",
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve Prometheus metrics on this port (127.0.0.1).")
    ] = None,
    metrics_host: Annotated[str, typer.Option(help="Interface of the metrics port.")] = "127.0.0.1",
) -> None:
    """Run queued syncs (one per connection at a time across all workers) and the schedules."""
    from ashby_connector.cli._app import long_running_logs
    from ashby_connector.core import StoreError
    from ashby_connector.core.freshness.workers import SharedBudgets
    from ashby_connector.core.runtime import metrics
    from ashby_connector.worker.distributed import DistributedRunner

    console = Console()
    if not once:
        long_running_logs()
    ctx: Any = None
    try:
        if api_key:
            runner = DistributedRunner(db, _single_key_factory(api_key, base_url, rate_limit))
            connections: Any = lambda: [connection]  # noqa: E731
        else:
            runner, ctx = _server_connections_runner(db, base_url, rate_limit)
            connections = ctx.connections.all_ids
        runner.install_schema()
        store = runner.store()
    except (ValueError, StoreError) as exc:
        raise _fail(console, str(exc), 2) from None
    except Exception as exc:
        raise _fail(console, f"cannot use {db.split('@')[-1]}: {exc}", 2) from None
    budgets = SharedBudgets(store)  # every worker and the server draw from one budget per key
    if metrics_port is not None:
        metrics.serve(metrics_port, metrics_host)
        console.print(f"metrics on http://{metrics_host}:{metrics_port}/metrics")
    fresh = _worker_freshness(runner, connections) if schedule and not once else None
    if fresh is not None:
        fresh.start()
    console.print(f"worker on queue 'ashby-sync' ({'until empty' if once else 'Ctrl-C to stop'})")
    try:
        runner.work(wait=not once, concurrency=concurrency)
    finally:
        if fresh is not None:
            fresh.stop()
        budgets.close()
        if ctx is not None:
            ctx.close()


@worker_app.command("enqueue")
def worker_enqueue(
    db: Db,
    connection: Annotated[str, typer.Option(help="Connection id to sync.")] = "default",
    full: Annotated[bool, typer.Option("--full", help="Ignore saved syncTokens.")] = False,
    streams: Annotated[str | None, typer.Option(help="Comma-separated streams.")] = None,
) -> None:
    """Queue a sync of one connection for the workers."""
    from ashby_connector.core import StoreError
    from ashby_connector.worker.distributed import DistributedRunner

    console = Console()
    selected = [s.strip() for s in streams.split(",") if s.strip()] if streams else None
    runner: DistributedRunner | None = None
    try:
        runner = DistributedRunner(db, lambda _c: None)
        runner.install_schema()
        job = runner.enqueue(connection, mode=Mode.of(full=full), streams=selected)
    except (ValueError, StoreError) as exc:
        raise _fail(console, str(exc), 2) from None
    finally:
        if runner is not None:
            runner.close()
    if job is None:
        console.print(f"a sync of {connection} is already queued")
    else:
        console.print(f"queued sync of {connection} as job {job}")
