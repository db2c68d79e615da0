"""Soak: the whole deployment under faults, then every copy checked against the emulator.

On a private PostgreSQL: the server and two workers (processes), N connections (each with its own
key) on 1-minute schedules with Ashby webhooks registered, a subscriber for every unified event.
The emulator injects faults into ``--fault-rate`` of the API requests (429, 500, 503, timeouts,
truncated bodies, in equal shares) and this script changes 1% of the candidates every minute.
During ``--minutes``: a worker is SIGKILLed every ``--kill-every`` seconds and started again, and
PostgreSQL is restarted once, halfway. Then faults stop; once everything has settled (or after
``--quiet`` seconds, whichever comes first) it prints:

- per connection, its stored candidates against the emulator's: lost, extra, duplicated, stale
  (a stored name that is not the emulator's): all 0;
- sync runs still ``running`` without a live lease (stuck past their lease): 0;
- event ids delivered more than once, and distinct events that say the same change twice
  (duplicates after dedupe by id): 0;
- changes no subscriber heard of (a changed candidate with no event after the change): 0;
- Ashby's 429s after the first minute (the emulator's own rate limit, not injected faults);
- the budget each key used (its busiest minute, as a share of 1,000 requests).

    .venv/bin/python benchmarks/soak.py                       # 15 min, 100 connections
    .venv/bin/python benchmarks/soak.py --minutes 2 --connections 10
"""

from __future__ import annotations

import argparse
import collections
import glob
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ashby_connector.emulator import EmulatorHandle, run_emulator
from ashby_connector.store import Store, record_table, sync_lease, sync_run
from ashby_connector.store.tenancy import Tenancy
from tests.e2e.server_harness import free_port

BUDGET = 1000  # Ashby's requests per minute per key


class Postgres:
    """A throwaway PostgreSQL server that can be restarted (as ``postgres`` when root)."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise SystemExit("PostgreSQL binaries not found (make postgres installs them)")
        self.bin = Path(found[-1]).parent
        self.root = Path(tempfile.mkdtemp(prefix="soak-pg-"))
        self.owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.owner:
            shutil.chown(self.root, "postgres", "postgres")
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/soak"

    def _run(self, *cmd: str) -> None:
        subprocess.run([*self.owner, *cmd], check=True, capture_output=True)

    def _ctl(self, action: str, *extra: str) -> None:
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c max_connections=300"
        data, log = str(self.root / "data"), str(self.root / "log")
        self._run(str(self.bin / "pg_ctl"), "-D", data, "-l", log, "-o", opts, "-w", *extra, action)

    def start(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.root / "data"), "-U", "postgres", "-A", "trust")
        self._ctl("start")
        self._run(
            str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "soak"
        )

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        subprocess.run(
            [*self.owner, str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def postgres() -> Iterator[Postgres]:
    pg = Postgres()
    pg.start()
    try:
        yield pg
    finally:
        pg.stop()


class Receiver:
    """The subscriber's process (``soak_receiver.py``) and the events it wrote down."""

    def __init__(self, folder: Path) -> None:
        self.file = folder / "events.jsonl"
        self.file.touch()
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/hooks"
        script = str(Path(__file__).with_name("soak_receiver.py"))
        self.process = subprocess.Popen([sys.executable, script, str(port), str(self.file)])
        _wait(lambda: httpx.post(self.url, content=b"{}", timeout=2).status_code == 200, 30, "the receiver")

    def events(self) -> list[dict[str, Any]]:
        lines = self.file.read_bytes().splitlines()
        return [e for e in (orjson.loads(line) for line in lines if line.strip()) if e]

    def close(self) -> None:
        self.process.kill()
        self.process.wait(30)


@contextmanager
def receiving(folder: Path) -> Iterator[Receiver]:
    receiver = Receiver(folder)
    try:
        yield receiver
    finally:
        receiver.close()


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    exe = str(Path(sys.executable).parent / "ashby-connector")
    return subprocess.Popen([exe, *args], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def _wait(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except (httpx.HTTPError, sa.exc.SQLAlchemyError):
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.5)


def _faults(rate: float) -> str:
    share = rate / 5
    return f"429:{share},500:{share},503:{share},timeout:{share},truncate:{share},hang_s:31"


def soak(args: argparse.Namespace) -> dict[str, Any]:
    from cryptography.fernet import Fernet

    rng = random.Random(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="soak-"))
    env = {
        **os.environ,
        "ASHBY_CONNECTOR_MASTER_KEY": Fernet.generate_key().decode(),
        "ASHBY_API_KEY": "",
        "ASHBY_CONNECTOR_OUTBOUND_ALLOW_HTTP": "1",
        "ASHBY_CONNECTOR_OUTBOUND_ALLOWLIST": "127.0.0.1",
    }
    procs: dict[str, subprocess.Popen[bytes]] = {}
    with (
        postgres() as pg,
        run_emulator(seed=args.seed, candidates=args.candidates, rate_limit_per_minute=BUDGET) as emu,
        receiving(Path(tempfile.mkdtemp(prefix="soak-events-"))) as receiver,
    ):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        serve = ["serve", "--db", pg.url, "--port", str(port), "--base-url", emu.base_url]
        worker = ["worker", "run", "--db", pg.url, "--base-url", emu.base_url]
        procs["server"] = _spawn(serve, env, folder / "server.log")
        try:
            _wait(lambda: httpx.get(f"{base}/healthz", timeout=2).status_code == 200, 120, "the server")
            with Store.open(pg.url) as store:
                _, platform_key = Tenancy(store).create_platform_key("soak")
            http = httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {platform_key}"}, timeout=60
            )
            ids = _connect(http, emu, args.connections, base)
            sub = http.post("/subscriptions", json={"url": receiver.url})
            assert sub.status_code == 201, sub.text
            for n in (1, 2):
                procs[f"worker-{n}"] = _spawn(worker, env, folder / f"worker-{n}.log")
            emu.control.set_faults(_faults(args.fault_rate))
            started = time.monotonic()
            changes, peaks, kills = _run(args, emu, pg, procs, worker, env, folder, rng, started)
            emu.control.set_faults(None)
            result = _settle(args, pg.url, emu, receiver, ids, changes, started, peaks)
            result.update(kills=kills, folder=str(folder), minutes=args.minutes, connections=len(ids))
            http.close()
            return result
        finally:
            for proc in procs.values():
                proc.kill()
            for proc in procs.values():
                proc.wait(30)


def _connect(http: httpx.Client, emu: EmulatorHandle, count: int, base: str) -> list[str]:
    ids = []
    for n in range(count):
        key = emu.control.add_key(title=f"soak {n}")
        made = http.post("/connections", json={"ownerId": f"o{n}", "apiKey": key})
        assert made.status_code == 201, made.text
        cid = made.json()["id"]
        put = http.put(f"/connections/{cid}/schedule", json={"incrementalEveryMinutes": 1})
        assert put.status_code == 200, put.text
        hooked = http.post(f"/connections/{cid}/webhooks", json={"url": base})
        assert hooked.status_code == 200, hooked.text
        ids.append(cid)
    return ids


def _run(
    args: argparse.Namespace,
    emu: EmulatorHandle,
    pg: Postgres,
    procs: dict[str, subprocess.Popen[bytes]],
    worker: list[str],
    env: dict[str, str],
    folder: Path,
    rng: random.Random,
    started: float,
) -> tuple[list[tuple[str, str, float]], dict[str, int], int]:
    """The faulty minutes: changes, kills, one database restart. Returns the changes made (id,
    new name, wall time), each key's busiest sampled minute and how many kills."""
    state = emu.emulator.state
    changes: list[tuple[str, str, float]] = []
    peaks: dict[str, int] = collections.defaultdict(int)
    next_change, next_kill, restarted, kills, victim = started, started + args.kill_every, False, 0, 1
    while (now := time.monotonic()) - started < args.minutes * 60:
        if now >= next_change:
            all_ids = list(state.kinds["candidate"].data)
            for cid in rng.sample(all_ids, max(1, len(all_ids) // 100)):
                name = f"Soak {rng.randrange(10**9)}"
                emu.control.call("mutate", kind="candidate", ids=[cid], set={"name": name})
                changes.append((cid, name, time.time()))
            next_change += 60
        if now >= next_kill:
            name = f"worker-{victim}"
            os.kill(procs[name].pid, signal.SIGKILL)
            procs[name].wait()
            procs[name] = _spawn(worker, env, folder / f"{name}.log")
            kills, victim, next_kill = kills + 1, 3 - victim, next_kill + args.kill_every
        if not restarted and now - started >= args.minutes * 30:
            pg.restart()
            restarted = True
        for key, window in emu.emulator.rate_limiter.windows.items():
            peaks[key] = max(peaks[key], len(window.events))
        time.sleep(1)
    return changes, dict(peaks), kills


def _settle(
    args: argparse.Namespace,
    db: str,
    emu: EmulatorHandle,
    receiver: Receiver,
    ids: list[str],
    changes: list[tuple[str, str, float]],
    started: float,
    peaks: dict[str, int],
) -> dict[str, Any]:
    """The quiet period: faults are off; measure every few seconds until everything has settled
    (every copy equals the emulator's, every change was heard, no run is stuck, the outbox is
    empty) or ``--quiet`` seconds have passed, and return the last measure with the time it took.
    A deployment that settles early ends the soak early; one that never does is measured at the
    limit, so the figures show what did not converge."""
    quiet_from = time.monotonic()
    while True:
        result = _measure(db, emu, receiver, ids, changes, started, peaks)
        result["outbox_pending"] = _pending(db)
        settled = (
            all(
                not any(row[k] for k in ("lost", "extra", "duplicated", "stale"))
                for row in result["per_connection"].values()
            )
            and result["changes_unheard"] == 0
            and result["stuck_runs"] == 0
            and result["outbox_pending"] == 0
        )
        waited = time.monotonic() - quiet_from
        if settled or waited > args.quiet:
            result["settled"], result["quiet_seconds"] = settled, round(waited, 1)
            return result
        time.sleep(3)


def _pending(db: str) -> int:
    """Deliveries still queued in the outbox: a change's event may wait behind a first sync's
    thousands."""
    from ashby_connector.store.schema_webhooks import webhook_outbox

    query = sa.select(sa.func.count()).select_from(webhook_outbox).where(webhook_outbox.c.status == "pending")
    with Store.open(db) as store, store.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _measure(
    db: str,
    emu: EmulatorHandle,
    receiver: Receiver,
    ids: list[str],
    changes: list[tuple[str, str, float]],
    started: float,
    peaks: dict[str, int],
) -> dict[str, Any]:
    started_wall = time.time() - (time.monotonic() - started)
    state = emu.emulator.state
    truth = {rid: state.get("candidate", rid) or {} for rid in list(state.kinds["candidate"].data)}
    table = record_table("candidate")
    per_connection = {}
    with Store.open(db) as store, store.engine.connect() as conn:
        for cid in ids:
            rows = conn.execute(
                sa.select(table.c.id, table.c.raw, table.c.deleted_at).where(table.c.connection_id == cid)
            ).all()
            live = {r.id: _doc(r.raw) for r in rows if r.deleted_at is None}
            counted = collections.Counter(r.id for r in rows)
            per_connection[cid] = {
                "stored": len(live),
                "lost": len(set(truth) - set(live)),
                "extra": len(set(live) - set(truth)),
                "duplicated": sum(1 for n in counted.values() if n > 1),
                "stale": sum(
                    1
                    for rid, raw in live.items()
                    if rid in truth and raw.get("name") != truth[rid].get("name")
                ),
            }
        now = time.time()
        live_lease = sa.exists().where(sync_lease.c.run_id == sync_run.c.id, sync_lease.c.expires_at >= now)
        stuck = conn.execute(
            sa.select(sa.func.count())
            .select_from(sync_run)
            .where(sync_run.c.status == "running", ~live_lease)
        ).scalar_one()
        statuses = dict(
            conn.execute(sa.select(sync_run.c.status, sa.func.count()).group_by(sync_run.c.status)).all()
        )
    events = receiver.events()
    by_id = collections.Counter(e.get("id") for e in events)
    said: dict[tuple[Any, ...], set[str]] = collections.defaultdict(set)
    heard: dict[str, list[float]] = collections.defaultdict(list)
    for e in events:
        data = e.get("data") or {}
        said[(e.get("type"), e.get("connectionId"), data.get("id"), data.get("updatedAt"))].add(e.get("id"))
        if str(e.get("type", "")).startswith(("genericContact.", "atsCandidate.")):
            stamp = e.get("timestamp") or ""
            heard[str(data.get("remoteId") or data.get("id"))].append(_epoch(stamp))
    unheard = [
        round(at - started_wall, 1)
        for rid, _name, at in changes
        if not any(t >= at - 1 for t in heard.get(rid, []))
    ]
    late = [t for t in emu.emulator.rate_limiter.rejections if t > started + 60]
    return {
        "per_connection": per_connection,
        "stuck_runs": int(stuck),
        "runs": statuses,
        "deliveries": len(events),
        "ids_delivered_twice": sum(1 for n in by_id.values() if n > 1),
        "duplicates_after_dedupe": sum(len(v) - 1 for v in said.values() if len(v) > 1),
        "changes": len(changes),
        "changes_unheard": len(unheard),
        "unheard_at_seconds": unheard,
        "late_429": len(late),
        "budget_peak_share": {k[-6:]: round(v / BUDGET, 3) for k, v in sorted(peaks.items())},
    }


def _doc(raw: Any) -> dict[str, Any]:
    """A stored record's JSON, whether the column hands back a dict or its bytes."""
    if isinstance(raw, bytes | str):
        loaded: dict[str, Any] = orjson.loads(raw)
        return loaded
    return dict(raw or {})


def _epoch(stamp: str) -> float:
    from datetime import datetime

    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def report(result: dict[str, Any]) -> None:
    rows = result["per_connection"]
    totals = {k: sum(r[k] for r in rows.values()) for k in ("lost", "extra", "duplicated", "stale")}
    print(
        f"soak: {result['minutes']} min, {result['connections']} connections, {result['kills']} worker kills"
    )
    print(f"  store vs emulator (candidates), summed over connections: {totals}")
    for cid, row in rows.items():
        if any(row[k] for k in totals):
            print(f"    {cid}: {row}")
    print(f"  runs by status: {result['runs']}; stuck past their lease: {result['stuck_runs']}")
    print(
        f"  deliveries {result['deliveries']}; ids delivered twice {result['ids_delivered_twice']}; "
        f"duplicates after dedupe {result['duplicates_after_dedupe']}"
    )
    print(
        f"  changes made {result['changes']}; no subscriber heard of {result['changes_unheard']}"
        f" (made at {result['unheard_at_seconds']} s); outbox still pending: {result['outbox_pending']}"
    )
    how = "settled" if result["settled"] else "NOT settled"
    print(f"  quiet period: {how} after {result['quiet_seconds']} s without faults")
    print(f"  429s after the first minute: {result['late_429']}")
    shares = sorted(result["budget_peak_share"].values())
    if shares:
        print(f"  budget per key, busiest minute: min {shares[0]:.1%}, max {shares[-1]:.1%} of {BUDGET}/min")
    print(f"  logs in {result['folder']}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--fault-rate", type=float, default=0.05)
    parser.add_argument("--kill-every", type=float, default=120.0, help="seconds between worker kills")
    parser.add_argument(
        "--quiet", type=float, default=300.0, help="at most this many seconds without faults to settle"
    )
    parser.add_argument("--seed", type=int, default=25)
    parser.add_argument("--json", action="store_true", help="also print the result as JSON")
    args = parser.parse_args(argv)
    result = soak(args)
    report(result)
    if args.json:
        print(json.dumps(result, default=str))
    return result


if __name__ == "__main__":
    main()
