"""Sync throughput against one emulator process.

    .venv/bin/python benchmarks/sync_throughput.py --candidates 100000
    .venv/bin/python benchmarks/sync_throughput.py --candidates 100000 --memory-at 1000000
    .venv/bin/python benchmarks/sync_throughput.py --candidates 20000 --rate-window 150

(a) the limit: bare httpx fetching every page of every stream with the sync's concurrency, reading
    only ``nextCursor`` (no storing); (b) full sync into SQLite; (c) into PostgreSQL (a private
    server, as in the tests, or --pg-url); (d) incremental sync after 1% of candidates and
    applications changed: requests and time; (e) peak RSS of (b) run as its own process, at
    --candidates and at each --memory-at size; then (f) with the emulator limited to 1,000
    requests/min: share of the budget used and 429s after the first minute (--rate-window s).

By default the streams are the top-level lists (child lists make one request per parent record:
add --children to include them).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _bare_fetch import bare_fetch  # noqa: E402

from ashby_connector.client import AshbyClient  # noqa: E402
from ashby_connector.emulator.in_process import Control  # noqa: E402
from ashby_connector.store import Store  # noqa: E402
from ashby_connector.sync import Mode, SyncEngine, SyncReport, all_streams  # noqa: E402
from ashby_connector.sync.engine import DEFAULT_CONCURRENCY  # noqa: E402

SERVE = """
import json, sys
from ashby_connector.emulator import run_emulator
with run_emulator(seed=1, candidates=int(sys.argv[1]), rate_limit_per_minute=None) as emu:
    info = {"base_url": emu.base_url, "api_key": emu.api_key, "admin_key": emu.admin_key}
    print(json.dumps(info), flush=True)
    sys.stdin.read()
"""


@contextmanager
def emulator_process(candidates: int) -> Iterator[dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(candidates)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("the emulator did not start")
        yield json.loads(line)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(30)


# Lists whose feature the emulated account does not have (Ashby answers `audit_logs_not_enabled`):
# nothing to copy, and a stream named explicitly that cannot finish would mark the run unfinished.
UNAVAILABLE = {"auditLog"}


def stream_names(children: bool) -> list[str]:
    return [s.name for s in all_streams() if (children or s.parent is None) and s.name not in UNAVAILABLE]


def floor_fetch(emu: dict[str, str], names: list[str], concurrency: int) -> tuple[int, int, float]:
    """(a): every page of every top-level stream, nothing parsed but the cursor."""
    streams = [s for s in all_streams() if s.name in names and s.parent is None]
    records, requests, wall, _ = bare_fetch(emu, streams, concurrency, timeout=60)
    return records, requests, wall


def run_sync(emu: dict[str, str], db: str, names: list[str], **kw: Any) -> SyncReport:
    with (
        Store.open(db) as store,
        AshbyClient(emu["api_key"], base_url=emu["base_url"], rate_limit_per_minute=None) as client,
    ):
        return SyncEngine(client, store, streams=names, **kw).run()


@contextmanager
def private_postgres() -> Iterator[str]:
    from tests import fixtures_postgres as pg

    gen = pg.postgres_url.__wrapped__()  # type: ignore[attr-defined]
    url = next(gen)
    try:
        yield url
    finally:
        with __import__("contextlib").suppress(StopIteration):
            next(gen)


def peak_rss_mb(emu: dict[str, str], db: str, names: list[str]) -> tuple[float, int]:
    """(e): the sync as its own process; its peak RSS from wait4."""
    cmd = [
        str(Path(sys.executable).parent / "ashby-connector"),
        "sync",
        "--api-key",
        emu["api_key"],
        "--base-url",
        emu["base_url"],
        "--db",
        db,
        "--rate-limit",
        "0",
        "--json",
        "--streams",
        ",".join(names),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, _status, usage = os.wait4(proc.pid, 0)
    report = json.loads(out.decode().strip().splitlines()[-1])
    return usage.ru_maxrss / 1024, int(report["fetched"])


def rate_phase(emu: dict[str, str], names: list[str], window: float) -> None:
    """(f): 1,000 requests/min on both sides; budget use and 429s after the first minute."""
    Control(emu["base_url"], emu["admin_key"]).configure(rate_limit_per_minute=1000)
    events: list[tuple[float, int]] = []
    started = time.monotonic()

    def hook(response: httpx.Response) -> None:
        events.append((time.monotonic() - started, response.status_code))

    http = httpx.Client(timeout=30, event_hooks={"response": [hook]})
    folder = tempfile.mkdtemp(prefix="bench-rate-")

    def go() -> None:
        with Store.open(f"sqlite:///{folder}/rate.db") as store:
            client = AshbyClient(
                emu["api_key"], base_url=emu["base_url"], rate_limit_per_minute=1000, http_client=http
            )
            SyncEngine(client, store, streams=names).run()

    threading.Thread(target=go, daemon=True).start()
    time.sleep(window)
    done = list(events)
    sent = len(done)
    late_429 = sum(1 for t, code in done if code == 429 and t > 60)
    after = sum(1 for t, _ in done if t > 60)
    print(
        f"(f) rate limit 1,000/min over {window:.0f}s: {sent} requests = {sent / (window / 60 * 1000):.1%} "
        f"of the budget ({after / ((window - 60) / 60 * 1000):.1%} after the first minute); "
        f"429s after the first minute: {late_429} (all 429s: {sum(1 for _, c in done if c == 429)})"
    )


class _SkipPhases(Exception):
    """--memory-only: go straight to the memory measurements."""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--candidates", type=int, default=100_000)
    ap.add_argument("--children", action="store_true", help="include child lists (one request per parent)")
    ap.add_argument("--pg-url", help="PostgreSQL URL; default: a private server in a temporary folder")
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--memory-at", type=int, nargs="*", default=[], help="more sizes for (e)")
    ap.add_argument("--rate-window", type=float, default=0, help="seconds of the rate-limited phase (f)")
    ap.add_argument("--rate-only", action="store_true", help="run only (f)")
    ap.add_argument("--only-ab", action="store_true", help="stop after (b)")
    ap.add_argument("--memory-only", action="store_true", help="run only (e), at each --memory-at size")
    args = ap.parse_args()
    if args.rate_only:
        with emulator_process(args.candidates) as emu:
            # Every stream, children included: enough requests to fill the window.
            rate_phase(emu, stream_names(True), args.rate_window or 150)
        return
    names = stream_names(args.children)
    conc = DEFAULT_CONCURRENCY
    tmp = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    if args.memory_only:
        args.candidates = 0
    try:
        print(f"emulator: {args.candidates:,} candidates (starting...)", flush=True)
        with emulator_process(args.candidates) if args.candidates else contextlib.nullcontext() as emu:
            if emu is None:
                raise _SkipPhases
            rec, req, secs = floor_fetch(emu, names, conc)
            limit = rec / secs
            print(
                f"(a) limit, bare httpx x{conc}: {rec:,} records, {req:,} requests in {secs:.1f}s "
                f"= {limit:,.0f} records/s",
                flush=True,
            )
            sqlite_db = f"sqlite:///{tmp / 'bench.db'}"
            full = run_sync(emu, sqlite_db, names, mode=Mode.FULL)
            rate = full.fetched / full.duration
            print(
                f"(b) full sync -> SQLite: {full.fetched:,} records, {full.requests:,} requests in "
                f"{full.duration:.1f}s = {rate:,.0f} records/s ({rate / limit:.2f}x the limit)"
                f"{'' if full.ok else ' [NOT ALL STREAMS FINISHED]'}",
                flush=True,
            )
            slow = sorted(full.streams, key=lambda r: -r.duration)[:4]
            print(
                "    slowest streams: "
                + ", ".join(f"{r.stream} {r.fetched:,} in {r.duration:.1f}s" for r in slow)
            )
            if args.only_ab:
                return
            if not args.no_pg:
                with (
                    contextmanager(lambda: iter([args.pg_url]))() if args.pg_url else private_postgres()
                ) as pg:
                    pgr = run_sync(emu, pg, names, mode=Mode.FULL)
                    prate = pgr.fetched / pgr.duration
                    print(
                        f"(c) full sync -> PostgreSQL: {pgr.fetched:,} records in {pgr.duration:.1f}s = "
                        f"{prate:,.0f} records/s ({prate / limit:.2f}x the limit)",
                        flush=True,
                    )
            control = Control(emu["base_url"], emu["admin_key"])
            n = max(1, args.candidates // 100)
            control.mutate("candidate", count=n, set={"company": "Changed Co"})
            control.mutate("application", count=n, set={"status": "Active"})
            inc = run_sync(emu, sqlite_db, names)
            print(
                f"(d) incremental after 1% changed: {inc.requests:,} requests "
                f"({inc.requests / full.requests:.2%} of the full sync's {full.requests:,}), "
                f"{inc.fetched:,} records in {inc.duration:.1f}s",
                flush=True,
            )
            mb, fetched = peak_rss_mb(emu, f"sqlite:///{tmp / 'mem.db'}", names)
            print(
                f"(e) peak RSS of a full sync at {args.candidates:,} candidates: {mb:,.0f} MB "
                f"({fetched:,} records)",
                flush=True,
            )
            if args.rate_window:
                rate_phase(emu, names, args.rate_window)
    except _SkipPhases:
        pass
    try:
        for size in args.memory_at:
            with emulator_process(size) as emu:
                mb, fetched = peak_rss_mb(emu, f"sqlite:///{tmp / f'mem{size}.db'}", names)
                print(
                    f"(e) peak RSS of a full sync at {size:,} candidates: {mb:,.0f} MB ({fetched:,} records)",
                    flush=True,
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
