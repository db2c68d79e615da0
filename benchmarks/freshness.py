"""Freshness: how soon a change made in Ashby is in the store, and what it costs; one budget per key.

    .venv/bin/python benchmarks/freshness.py                      # (a), (b): 10 minutes each; (c): 3
    .venv/bin/python benchmarks/freshness.py --minutes 2 --budget-minutes 2   # a quicker look

Against one emulator (its rate limit on at 1,000 requests/min), a change is made at random moments
(on average every --every seconds) over --minutes to a candidate (candidate.update), an
application (application.changeStage) or a job (job.update), through the API with a second key.
The REST server keeps one connection fresh:
(a) a schedule every minute, webhooks off; (b) the same with Ashby's webhooks registered, which
also turns on the fast lane (candidate and job lists polled every 3 s, the default).
For each: p50/p95/max seconds from the moment the change was asked of the emulator (before its API
call) to the moment it is in the store (checked every 0.1 s), per kind and overall, and requests
the connection spent per minute, by operation. Then (c) a server and two worker processes on one
PostgreSQL (a private server, as in the tests) share one key for --budget-minutes: three
connections with that key sync on a short schedule on the workers while interactive calls go
through the server's proxy; share of the key's budget used after the first minute (requests the
emulator accepted in each trailing minute) and 429s after the first minute.
Goals: (a) p95 under 70 s; (b) p95 under 5 s; (c) at least 90% of the budget and no 429 after the
first minute.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from sync_throughput import private_postgres  # noqa: E402

from ashby_connector.client import _hooks  # noqa: E402
from ashby_connector.emulator import EmulatorHandle, run_emulator  # noqa: E402
from tests.e2e.server_harness import Server, free_port, run_server  # noqa: E402

LIMIT = 1000


class RequestCounter:
    """Requests this process sent to Ashby (all our clients report to the observer), by operation."""

    def __init__(self) -> None:
        self.count = 0
        self.by_operation: dict[str, int] = {}
        self.lock = threading.Lock()

    def response(self, event: _hooks.ResponseEvent) -> None:
        with self.lock:
            self.count += 1
            self.by_operation[event.operation] = self.by_operation.get(event.operation, 0) + 1

    def retry(self, operation: str, reason: str) -> None:
        return None


# -- changes in the emulator -------------------------------------------------------------------


class Changer:
    """Makes one change through the API (with its own key: not our budget) and says how to see it."""

    def __init__(self, emu: EmulatorHandle, rng: random.Random) -> None:
        self.emu = emu
        self.rng = rng
        # Records with a change not yet seen in the store: a second change would hide the first.
        self.busy: set[str] = set()
        self.http = httpx.Client(base_url=emu.base_url, auth=(emu.control.add_key(title="changer"), ""))

    def _call(self, operation: str, body: dict[str, Any]) -> Any:
        for _ in range(20):
            answer = self.http.post(f"/{operation}", json=body)
            if answer.status_code != 429:
                data = answer.json()
                assert data.get("success"), data
                return data["results"]
            time.sleep(0.5)
        raise RuntimeError(f"{operation} stayed rate limited")

    def change(self) -> tuple[str, str, Callable[[dict[str, Any]], bool]]:
        """(kind, id, does this stored record show the change)."""
        kind = self.rng.choice(["candidate", "application", "job"])
        state = self.emu.state
        if kind == "candidate":
            cid = self.rng.choice([c["id"] for c in state.iter("candidate") if c["id"] not in self.busy])
            name = f"Changed {self.rng.randrange(10**9)}"
            self._call("candidate.update", {"candidateId": cid, "name": name})
            return kind, cid, lambda raw: raw.get("name") == name
        if kind == "job":
            jid = self.rng.choice([j["id"] for j in state.iter("job") if j["id"] not in self.busy])
            title = f"Role {self.rng.randrange(10**9)}"
            self._call("job.update", {"jobId": jid, "title": title})
            return kind, jid, lambda raw: raw.get("title") == title
        apps = [
            a
            for a in state.iter("application")
            if a.get("status") == "Active"
            and (a.get("currentInterviewStage") or {}).get("type") == "Active"
            and a["id"] not in self.busy
        ]
        app = self.rng.choice(apps)
        plan = state.get("interviewStage", app["currentInterviewStage"]["id"])["interviewPlanId"]
        targets = [
            s["id"]
            for s in state.iter("interviewStage")
            if s.get("interviewPlanId") == plan
            and s.get("type") == "Active"
            and s["id"] != app["currentInterviewStage"]["id"]
        ]
        target = self.rng.choice(targets)
        self._call("application.changeStage", {"applicationId": app["id"], "interviewStageId": target})
        return kind, app["id"], lambda raw: (raw.get("currentInterviewStage") or {}).get("id") == target


def measure_freshness(
    emu: EmulatorHandle, server: Server, connection_id: str, minutes: float, every: float, seed: int
) -> dict[str, Any]:
    counter = RequestCounter()
    _hooks.add_observer(counter)
    changer = Changer(emu, random.Random(seed))
    store = server.core.store
    pending: list[tuple[float, str, str, Callable[[dict[str, Any]], bool]]] = []
    latencies: dict[str, list[float]] = {"candidate": [], "application": [], "job": []}
    lock = threading.Lock()
    stop = time.monotonic() + minutes * 60
    done = threading.Event()

    def make_changes() -> None:
        rng = random.Random(seed + 1)
        while time.monotonic() < stop:
            time.sleep(min(rng.expovariate(1 / every), max(0.0, stop - time.monotonic())))
            if time.monotonic() >= stop:
                break
            with lock:
                # From the moment the change is asked for: the emulator's answer may come after
                # the webhook it fires.
                made = time.monotonic()
                kind, record_id, shows = changer.change()
                changer.busy.add(record_id)
                pending.append((made, kind, record_id, shows))

    def watch() -> None:
        while not done.is_set():
            with lock:
                waiting = list(pending)
            for item in waiting:
                made, kind, record_id, shows = item
                raw = store.get(connection_id, kind, record_id)
                if raw is not None and shows(raw):
                    latencies[kind].append(time.monotonic() - made)
                    with lock:
                        pending.remove(item)
                        changer.busy.discard(record_id)
            time.sleep(0.1)

    start_requests = counter.count
    start_by_operation = dict(counter.by_operation)
    threads = [threading.Thread(target=make_changes), threading.Thread(target=watch, daemon=True)]
    for t in threads:
        t.start()
    threads[0].join()
    spent = counter.count - start_requests
    by_operation = {
        op: n - start_by_operation.get(op, 0)
        for op, n in counter.by_operation.items()
        if n > start_by_operation.get(op, 0)
    }
    deadline = time.monotonic() + 100  # the last changes arrive within a schedule interval
    while pending and time.monotonic() < deadline:
        time.sleep(0.5)
    done.set()
    _hooks.remove_observer(counter)
    every_latency = sorted(v for values in latencies.values() for v in values)
    return {
        "changes": len(every_latency) + len(pending),
        "missed": len(pending),
        "latencies": every_latency,
        "by_kind": {k: sorted(v) for k, v in latencies.items()},
        "requests_per_minute": spent / minutes,
        "per_minute_by_operation": {
            op: n / minutes for op, n in sorted(by_operation.items(), key=lambda kv: -kv[1])
        },
    }


def percentiles(values: list[float]) -> str:
    if not values:
        return "-"
    q = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else values * 99
    return f"{statistics.median(values):.1f} / {q[94]:.1f} / {max(values):.1f}"


def scenario(args: argparse.Namespace, webhooks: bool) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as folder,
        run_emulator(seed=11, candidates=args.candidates, rate_limit_per_minute=LIMIT) as emu,
        run_server(
            emu.base_url,
            f"sqlite:///{folder}/fresh.db",
            rate_limit_per_minute=LIMIT,
            scheduler_tick_seconds=1.0,
        ) as server,
    ):
        http = server.tenant()
        # The first full sync is not measured: it runs without the limit, which then goes on.
        emu.control.configure(rate_limit_per_minute=None)
        connection_id = server.connect(http, emu.api_key, sync=True)
        emu.control.configure(rate_limit_per_minute=LIMIT)
        answer = http.put(f"/connections/{connection_id}/schedule", json={"incrementalEveryMinutes": 1})
        assert answer.status_code == 200, answer.text
        if webhooks:
            hooked = http.post(f"/connections/{connection_id}/webhooks", json={"url": server.url})
            assert hooked.status_code == 200, hooked.text
        server.core.start_freshness()
        result = measure_freshness(
            emu, server, connection_id, args.minutes, args.every, seed=7 if webhooks else 3
        )
        server.core.freshness.stop()
        http.close()
        runs = server.core.freshness.history.page([connection_id], limit=200).runs
        statuses = ("succeeded", "failed", "skipped", "running")
        result["runs"] = {s: n for s in statuses if (n := sum(r.status == s for r in runs))}
        # Fast-lane polls are recorded only when they brought something.
        result["kept_polls"] = sum(r.streams == ["candidate", "job"] for r in runs)
        for run in runs:
            failed = [s for s in (run.report or {}).get("streams", []) if s.get("status") == "failed"]
            if failed:
                print(f"    run {run.id} failed: {failed[0]['stream']}: {str(failed[0]['error'])[:300]}")
        return result


# -- (c) three processes, one key ------------------------------------------------------------


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    exe = str(Path(sys.executable).parent / "ashby-connector")
    return subprocess.Popen(
        [exe, *args], env={**os.environ, **env}, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def _up(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def shared_budget(args: argparse.Namespace) -> dict[str, Any]:
    from cryptography.fernet import Fernet

    from ashby_connector.store import Store
    from ashby_connector.store.tenancy import Tenancy

    env = {
        "ASHBY_CONNECTOR_MASTER_KEY": Fernet.generate_key().decode(),
        "ASHBY_API_KEY": "",
        # The operator's floor under tenants' schedules, lowered so that part (c) keeps the key
        # busy with schedules shorter than a tenant may set.
        "ASHBY_CONNECTOR_MIN_INCREMENTAL_MINUTES": str(min(args.budget_schedule_minutes, 1)),
    }
    with (
        tempfile.TemporaryDirectory() as folder,
        private_postgres() as db,
        run_emulator(seed=13, candidates=args.budget_candidates, rate_limit_per_minute=LIMIT) as emu,
    ):
        logs = Path(folder)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        serve = ["serve", "--db", db, "--port", str(port), "--base-url", emu.base_url]
        procs = [_spawn(serve, env, logs / "server.log")]
        try:
            deadline = time.monotonic() + 120
            while not _up(f"{base}/healthz"):
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start: " + (logs / "server.log").read_text())
                time.sleep(0.2)
            with Store.open(db) as store:
                _, platform_key = Tenancy(store).create_platform_key("bench")
            http = httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {platform_key}"}, timeout=120
            )
            ids = []
            for _ in range(3):
                made = http.post("/connections", json={"ownerId": "o", "apiKey": emu.api_key})
                assert made.status_code == 201, made.text
                ids.append(made.json()["id"])
                set_schedule = http.put(
                    f"/connections/{ids[-1]}/schedule",
                    json={"incrementalEveryMinutes": args.budget_schedule_minutes},
                )
                assert set_schedule.status_code == 200, set_schedule.text
            for n in (1, 2):
                worker = ["worker", "run", "--db", db, "--base-url", emu.base_url]
                procs.append(_spawn(worker, env, logs / f"worker-{n}.log"))
            limiter = emu.emulator.rate_limiter
            # The clock starts when the workers sync (their start-up is not time sharing the key).
            while not http.get("/syncs", params={"status": "running"}).json()["data"]:
                if time.monotonic() > deadline + 120:
                    raise SystemExit("no worker started a sync: " + (logs / "worker-1.log").read_text())
                time.sleep(0.2)
            started = time.monotonic()
            started_at = time.time()
            shares: list[float] = []
            proxied = 0
            next_sample = started + 60
            while time.monotonic() - started < args.budget_minutes * 60:
                answer = http.post("/proxy/user.list", json={}, headers={"X-Connection-Id": ids[0]})
                proxied += answer.status_code == 200
                if time.monotonic() >= next_sample:
                    shares.append(len(limiter.windows[emu.api_key].events) / LIMIT)
                    next_sample += 5
                time.sleep(0.2)
            late = [t for t in limiter.rejections if t > started + 60]
            finished_at = time.time()
            history = http.get("/syncs", params={"limit": 200}).json()["data"]
        finally:
            for proc in procs:
                proc.kill()
            for proc in procs:
                proc.wait(30)
    return {
        "shares": shares,
        "late_429": len(late),
        "all_429": len(limiter.rejections),
        "proxied": proxied,
        "runs": len(history),
        "no_sync": _time_without_sync(history, started_at + 60, finished_at),
    }


def _time_without_sync(history: list[dict[str, Any]], start: float, end: float) -> float:
    """Share of [start, end] in which no connection was syncing: only interactive calls could
    use the budget then (the next scheduled runs were not due yet)."""
    from datetime import datetime

    def epoch(value: str | None, default: float) -> float:
        return datetime.fromisoformat(value).timestamp() if value else default

    spans = sorted(
        (max(start, epoch(r["startedAt"], end)), min(end, epoch(r["finishedAt"], end)))
        for r in history
        if r["startedAt"]
    )
    busy, reach = 0.0, start
    for begin, finish in spans:
        if finish > reach:
            busy += finish - max(begin, reach)
            reach = finish
    return 1 - busy / (end - start) if end > start else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="length of (a) and (b)")
    parser.add_argument("--every", type=float, default=15.0, help="mean seconds between changes")
    parser.add_argument("--candidates", type=int, default=300)
    parser.add_argument("--budget-minutes", type=float, default=3.0, help="length of (c)")
    parser.add_argument("--budget-candidates", type=int, default=2000)
    parser.add_argument(
        "--budget-schedule-minutes",
        type=float,
        default=0.1,
        help="(c): each connection's incremental schedule (how much the workers ask for)",
    )
    parser.add_argument("--only", choices=["a", "b", "c"], action="append")
    args = parser.parse_args()
    only = set(args.only or ["a", "b", "c"])
    rows: list[tuple[str, str, str]] = []
    for name, webhooks in (("a", False), ("b", True)):
        if name not in only:
            continue
        label = f"({name}) schedule every minute, webhooks {'on (+ fast lane)' if webhooks else 'off'}"
        print(f"{label}: {args.minutes:g} minutes ...", flush=True)
        r = scenario(args, webhooks)
        goal = 70 if name == "a" else 5
        p95 = (
            statistics.quantiles(r["latencies"], n=100, method="inclusive")[94]
            if len(r["latencies"]) > 1
            else None
        )
        met = "met" if p95 is not None and p95 < goal and not r["missed"] else "not met"
        kinds = ", ".join(f"{k} {percentiles(v)}" for k, v in r["by_kind"].items())
        by_op = list(r["per_minute_by_operation"].items())
        operations = ", ".join(f"{op} {n:.1f}" for op, n in by_op[:3])
        if by_op[3:]:
            operations += f", {len(by_op) - 3} other operations {sum(n for _, n in by_op[3:]):.1f}"
        rows.append(
            (
                label,
                f"{r['changes']} changes, p50/p95/max {percentiles(r['latencies'])} s ({kinds}); "
                f"{r['missed']} not seen; {r['requests_per_minute']:.1f} requests/min ({operations}); "
                f"runs {r['runs']}, of them fast-lane polls kept {r['kept_polls']}",
                f"p95 < {goal} s: {met}",
            )
        )
        print("   ", rows[-1][1], flush=True)
    if "c" in only:
        print(f"(c) server + 2 workers on one key: {args.budget_minutes:g} minutes ...", flush=True)
        c = shared_budget(args)
        shares = c["shares"]
        share = f"{statistics.mean(shares):.1%} (min {min(shares):.1%})" if shares else "-"
        met = "met" if shares and statistics.mean(shares) >= 0.9 and c["late_429"] == 0 else "not met"
        rows.append(
            (
                "(c) server + 2 workers, one key",
                f"budget used after the first minute {share}; 429s after the first minute {c['late_429']} "
                f"({c['all_429']} in all); {c['proxied']} proxy calls, {c['runs']} sync runs "
                f"(every {args.budget_schedule_minutes:g} min), no sync running "
                f"{c['no_sync']:.0%} of the time after the first minute",
                f">= 90% and no 429: {met}",
            )
        )
    print()
    width = max(len(r[0]) for r in rows)
    for label, figures, goal in rows:
        print(f"{label:<{width}}  {figures}  [{goal}]")


if __name__ == "__main__":
    main()
