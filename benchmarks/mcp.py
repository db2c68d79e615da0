#!/usr/bin/env python3
"""The MCP tools' latency over a synced copy: each tool's p50/p95 over many calls with varied
arguments, through the SDK's client (in-process transport), on SQLite, and the Ashby requests the
emulator received meanwhile (goal: 0, lazy fetches excepted and reported).

The emulated account is synced first with the default child policies, plus stage history for
every application (so pipelines and stalled applications read real history). Notes stay ``lazy``:
the timeline fetches a candidate's notes on first read, and those requests are reported apart.
Before timing, each tool is called once (its first-call time is printed: the digests of
candidates, applications and offers are read whole once per process) and each timeline read once
(its notes fetched); ``--cold`` skips that, so first calls and lazy fetches land in the figures.

    .venv/bin/python benchmarks/mcp.py                       # 20,000 candidates, 100 calls a tool
    .venv/bin/python benchmarks/mcp.py --candidates 2000 --calls 30
"""

# ruff: noqa: E402  (the SDK is imported after the path is mended, below)
from __future__ import annotations

import os.path
import sys

# Run as a script, this file's folder comes first on the path and its name would shadow the SDK's
# ``mcp`` package: drop the folder before importing it.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from mcp import Client

from ashby_connector.agents.tools import build_server
from ashby_connector.core.app import Core
from ashby_connector.core.insights.digests import OVERLAP
from ashby_connector.core.settings import Settings
from ashby_connector.emulator import run_emulator
from ashby_connector.sync import SyncEngine
from ashby_connector.sync.policies import DEFAULT_CHILD_POLICIES

P95_GOAL_MS = 50.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def label(name: str, args: dict[str, Any]) -> str:
    """What a call's time is reported under: its tool, and for stalled applications without a job
    or recruiter (the whole connection, a larger question) a line of its own."""
    whole = name == "stale_applications" and not ({"jobId", "recruiterId"} & set(args))
    return f"{name} (all)" if whole else name


async def timed_calls(client: Client, calls: list[tuple[str, dict[str, Any]]]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    for name, args in calls:
        started = time.perf_counter()
        result = await client.call_tool(name, args)
        elapsed = (time.perf_counter() - started) * 1000
        if result.is_error:
            text = result.content[0].text if result.content else ""  # type: ignore[union-attr]
            raise SystemExit(f"{name}({args}) failed: {text}")
        times.setdefault(label(name, args), []).append(elapsed)
    return times


def plan_calls(core: Core, connection_id: str, calls: int, seed: int) -> list[tuple[str, dict[str, Any]]]:
    """``calls`` calls of each tool, with arguments drawn from the copy."""
    rng = random.Random(seed)
    store = core.store
    candidates = [r.raw for r in store.list(connection_id, "candidate", limit=5000).records]
    jobs = [r.raw for r in store.list(connection_id, "job", limit=1000).records]
    users = [r.raw["id"] for r in store.list(connection_id, "user", limit=1000).records]
    recruiters = (
        sorted({m["userId"] for j in jobs for m in j.get("hiringTeam") or [] if m.get("role") == "Recruiter"})
        or users
    )
    tags = [r.raw for r in store.list(connection_id, "candidateTag", limit=100).records]
    out: list[tuple[str, dict[str, Any]]] = []
    for _ in range(calls):
        who = rng.choice(candidates)
        part = rng.choice([str(who["name"]).split()[0], str(who["name"]).split()[-1][:4]])
        job = rng.choice(jobs)["id"]
        out += [
            ("search_candidates", {"query": part}),
            ("search_candidates", {"tag": rng.choice(tags)["title"]}) if tags else ("open_jobs", {}),
            ("candidate_timeline", {"candidateId": who["id"]}),
            ("job_pipeline", {"jobId": job}),
            ("stale_applications", {"days": rng.choice([7, 14, 30]), "jobId": job}),
            ("stale_applications", {"days": 14, "recruiterId": rng.choice(recruiters)}),
            ("stale_applications", {"days": rng.choice([7, 14, 30])}),
            ("upcoming_interviews", {"userId": rng.choice(users), "days": 30}),
            ("upcoming_interviews", {"jobId": job, "days": 90}),
            ("open_jobs", {}),
            ("pending_offers", {"waitingOn": rng.choice(["approval", "candidate", "any"])}),
        ]
    rng.shuffle(out)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=100, help="calls of each tool (per argument kind)")
    parser.add_argument(
        "--cold", action="store_true", help="time from the first question (no warming call of each tool)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    with (
        run_emulator(seed=7, candidates=args.candidates, rate_limit_per_minute=None) as emu,
        tempfile.TemporaryDirectory() as folder,
    ):
        generated = time.perf_counter() - started
        settings = Settings(
            db_url=f"sqlite:///{Path(folder) / 'mcp.db'}",
            ashby_base_url=emu.base_url,
            master_key=Fernet.generate_key().decode(),
            rate_limit_per_minute=None,
        )
        core = Core.open(settings)
        tenant, _ = core.tenancy.create_platform_key("bench")
        conn = core.connections.create(tenant, "owner", emu.api_key)
        t = time.perf_counter()
        policies = {**DEFAULT_CHILD_POLICIES, "applicationHistory": "eager"}
        report = SyncEngine(core.clients.require(conn.id), core.store, conn.id, children=policies).run()
        synced = time.perf_counter() - t
        synced_at = time.perf_counter()
        assert report.ok, report.to_dict()
        counts = {
            k: core.store.count(conn.id, k)
            for k in ("candidate", "application", "applicationHistory", "interviewEvent", "offer", "job")
        }
        # The organisation's interviews lie in the past: the core's clock is pinned a day before the
        # middle of them, so upcoming_interviews has a future to look at.
        starts = sorted(
            e.raw["startTime"] for e in core.store.list(conn.id, "interviewEvent", limit=100_000).records
        )
        pinned = datetime.fromisoformat(starts[len(starts) // 2].replace("Z", "+00:00")) - timedelta(days=1)
        core.insights.clock = pinned.timestamp
        server = build_server(core, lambda _ctx: conn, writes=False)
        calls = plan_calls(core, conn.id, args.calls, seed=11)

        async def run() -> tuple[dict[str, list[float]], dict[str, float], int]:
            async with Client(server) as client:
                received = emu.emulator.requests_received
                warm_before = sum(received.values())
                cold: dict[str, float] = {}
                if not args.cold:
                    # First questions: the digests of candidates, applications and offers are read
                    # whole once per process; each candidate's lazy notes are fetched once.
                    for name, arguments in calls:
                        if label(name, arguments) not in cold or name == "candidate_timeline":
                            started = time.perf_counter()
                            await client.call_tool(name, arguments)
                            cold.setdefault(label(name, arguments), (time.perf_counter() - started) * 1000)
                warm = sum(received.values()) - warm_before
                before.update(received)  # what the emulator had received when timing began
                return await timed_calls(client, calls), cold, warm

        # Between syncs the copy is at rest; the digests look again at what changed in the last
        # OVERLAP before their previous refresh, so the end of a sync is re-checked for that long.
        rest = OVERLAP.total_seconds() - (time.perf_counter() - synced_at)
        if rest > 0:
            time.sleep(rest)
        before: dict[str, int] = {}
        load_before = os.getloadavg()
        times, cold, warm_requests = asyncio.run(run())
        load_after = os.getloadavg()
        after = dict(emu.emulator.requests_received)
        core.close()
    during = {op: n - before.get(op, 0) for op, n in after.items() if n - before.get(op, 0)}
    lazy_ops = {"candidate.listNotes"}
    other = {op: n for op, n in during.items() if op not in lazy_ops}
    print(
        f"{args.candidates:,} candidates: emulator generated in {generated:.0f} s, synced in {synced:.0f} s"
    )
    print("stored: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print(
        f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}; {os.cpu_count()} cores"
    )
    header = f"{'tool':<26}{'calls':>7}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}"
    print(f"{header}  goal p95 <= {P95_GOAL_MS:.0f} ms")
    worst = 0.0
    for name in sorted(times):
        values = times[name]
        p95 = percentile(values, 0.95)
        worst = max(worst, p95)
        flag = "met" if p95 <= P95_GOAL_MS else "NOT MET"
        p50 = statistics.median(values)
        first = f"  (first call {cold[name]:.0f} ms)" if name in cold else ""
        print(f"{name:<26}{len(values):>7}{p50:>10.2f}{p95:>10.2f}{max(values):>10.2f}  {flag}{first}")
    print(f"Ashby (emulator) requests during the timed calls: {sum(other.values())} {other or ''}")
    print(
        f"lazy fetches (candidate notes, policy lazy): {during.get('candidate.listNotes', 0)} during the "
        f"timed calls, {warm_requests} requests while warming"
    )
    return 0 if worst <= P95_GOAL_MS and not other else 1


if __name__ == "__main__":
    sys.exit(main())
