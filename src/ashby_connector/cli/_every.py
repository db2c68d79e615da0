"""``sync --every 15m``: the single-account schedule, run in this process until Ctrl-C."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from rich.console import Console

from ashby_connector.core import Store
from ashby_connector.core.app import Core
from ashby_connector.core.freshness.schedules import DEFAULT_FAST_STREAMS
from ashby_connector.core.syncs.history import SyncRun


def duration_text(seconds: float) -> str:
    """Seconds as ``--every`` takes them: 30s, 15m, 12h, 2d."""
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("m", 60.0)):
        if seconds >= size and (seconds / size).is_integer():
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def run_line(run: SyncRun) -> str:
    took = (run.finished_at - run.started_at).total_seconds() if run.finished_at and run.started_at else 0.0
    tail = f": {run.error}" if run.error else ""
    return (
        f"{run.created_at:%H:%M:%S} {run.trigger} {run.mode} sync {run.status}: {run.requests} requests, "
        f"{run.fetched} fetched, {run.changed} changed, {run.errors} errors, {took:.1f}s{tail}"
    )


def run_every(
    console: Console,
    store: Store,
    client_factory: Callable[[str], Any],
    connection_id: str,
    *,
    every_seconds: float,
    reconcile_every_seconds: float,
    streams: list[str] | None = None,
    stop: threading.Event | None = None,
    tick_seconds: float = 1.0,
    on_run: Callable[[SyncRun], None] | None = None,
    fast_every_seconds: float = 0.0,
    fast_streams: tuple[str, ...] = DEFAULT_FAST_STREAMS,
    sync_first: bool = True,
    children: Mapping[str, str] | None = None,
) -> None:
    """Sync now (unless ``sync_first`` is False: the copy is current already), then on the
    schedule, until ``stop`` is set or Ctrl-C. With ``fast_every_seconds``, the fast lane polls
    ``fast_streams`` that often besides (a single account has no webhook receiver here: asking for
    the lane turns it on). ``children``: child policies for every run (``sync --children``)."""
    interactive = stop is None  # else whoever passed ``stop`` ends it
    stop = stop or threading.Event()

    def tell(run: SyncRun) -> None:
        console.print(run_line(run))
        if on_run is not None:
            on_run(run)

    core = Core.single_key(store, client_factory, children=children)
    try:
        if sync_first:  # the first run now: the schedule counts from there
            tell(core.syncs.run(connection_id, streams=streams, wait=True).run)
        fresh = core.syncs.keep_fresh(
            connection_id,
            every_seconds=every_seconds,
            reconcile_every_seconds=reconcile_every_seconds,
            streams=streams,
            tick_seconds=tick_seconds,
            fast_every_seconds=fast_every_seconds,
            fast_streams=fast_streams,
            on_run=tell,
        )
        lane = ""
        if fast_every_seconds:
            cost = fresh.schedules.get(connection_id).fast_requests_per_minute()
            lane = (
                f"; {', '.join(fast_streams)} polled every {duration_text(fast_every_seconds)} "
                f"({cost:g} requests/min when nothing changed)"
            )
        console.print(
            f"syncing {connection_id} every {duration_text(every_seconds)} "
            f"(reconcile every {duration_text(reconcile_every_seconds)})"
            f"{lane}{'; Ctrl-C to stop' if interactive else ''}"
        )
        if fresh.fast_lane is not None:
            fresh.fast_lane.start()
        try:
            while not stop.is_set():
                fresh.tick()
                stop.wait(tick_seconds)
        except KeyboardInterrupt:
            console.print("stopped")
        finally:
            if fresh.fast_lane is not None:
                fresh.fast_lane.stop()
    finally:
        core.close()
