"""REST server latency: list (100 records) and retrieve, at rising concurrency, SQLite and PostgreSQL.

The server runs in its own process (uvicorn, one worker) over a store seeded with 1,000 jobs; the
load generator runs in this process and speaks HTTP/1.1 over keep-alive sockets with asyncio
streams, so it costs little CPU next to the server. For each database and request kind it prints
p50 and p99 per concurrency level, and the throughput at which p99 first passes 50 ms.

The yardstick, measured in the same run: a bare route (Starlette on the same uvicorn, one worker)
that reads the same 100 rows from the same database and returns their raw JSON with orjson. Our
figures are printed as a ratio to it, so a loaded machine moves both. The list is measured twice:
as served (records read before are kept rendered, ``read_cache_mb``) and by a second server that
keeps nothing (``read_cache_mb=0``: every record rendered on every read, as the first read after a
change is). Beside them, the app's floor:
``GET /healthz`` through the same server (middleware, routing, thread pool, nothing read). Each
line also gives the server process's CPU per request (from /proc), which a busy machine moves
far less than the latencies. Last, the CPU an idle ``ashby-connector serve`` uses over
``--idle-seconds`` (benchmarks/_idle_cpu.py).

    .venv/bin/python benchmarks/server_latency.py                  # SQLite + a private PostgreSQL
    .venv/bin/python benchmarks/server_latency.py --no-postgres --seconds 3
    .venv/bin/python benchmarks/server_latency.py --postgres-url postgresql+psycopg://u@127.0.0.1/db
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
from cryptography.fernet import Fernet

from ashby_connector.core.settings import Settings
from ashby_connector.store import Store
from ashby_connector.store.secrets import SecretBox
from ashby_connector.store.tenancy import Tenancy

LEVELS = (1, 2, 4, 8, 16, 32)
RECORDS = 1000
P99_LIMIT_MS = 50.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(db_url: str, master_key: str) -> tuple[str, str, str]:
    """A tenant, a connection and RECORDS jobs; returns (platform key, connection id, a job id)."""
    store = Store.open(db_url)
    repo = Tenancy(store)
    _, key = repo.create_platform_key("bench")
    tenant = repo.tenant_for_key(key)
    assert tenant is not None
    conn = repo.create_connection(
        tenant, "bench", SecretBox(master_key.encode()).encrypt("unused"), "bench", []
    )
    jobs = [
        {
            "id": f"job-{i:05d}",
            "title": f"Engineer {i}",
            "status": "Open",
            "employmentType": "FullTime",
            "departmentId": "d1",
            "locationId": "l1",
            "createdAt": "2024-01-01T00:00:00Z",
            "updatedAt": "2024-06-01T00:00:00Z",
            "hiringTeam": [],
            "customFields": [],
        }
        for i in range(RECORDS)
    ]
    store.upsert_records(conn.id, "job", jobs)
    store.close()
    return key, conn.id, jobs[RECORDS // 2]["id"]


def serve_bare(db_url: str, connection_id: str, port: int) -> None:
    """The yardstick: 100 stored rows, read and returned with orjson, and nothing else."""
    import sqlalchemy as sa
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from ashby_connector.store import record_table
    from ashby_connector.store.engine import create_engine

    engine = create_engine(db_url)
    table = record_table("job")
    query = (
        sa.select(table.c.raw)
        .where(table.c.connection_id == connection_id, table.c.deleted_at.is_(None))
        .order_by(table.c.id)
        .limit(100)
    )

    def bare(request: Request) -> Response:
        with engine.connect() as conn:
            rows = [row.raw for row in conn.execute(query)]
        return Response(orjson.dumps({"data": rows, "next": None}), media_type="application/json")

    app = Starlette(routes=[Route("/bare", bare)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False)


def serve(db_url: str, master_key: str, read_cache_mb: float, port: int) -> None:
    import uvicorn

    from ashby_connector.server import create_app

    settings = Settings(
        db_url=db_url, master_key=master_key, ashby_base_url="http://127.0.0.1:9", read_cache_mb=read_cache_mb
    )
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="error", access_log=False)


async def _client(port: int, request: bytes, stop: float, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            body = await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"{head[:40]!r} {body[:200]!r}")
            latencies.append(time.perf_counter() - start)
    finally:
        writer.close()


async def measure(port: int, request: bytes, concurrency: int, seconds: float) -> tuple[float, float, float]:
    latencies: list[float] = []
    stop = time.perf_counter() + seconds
    began = time.perf_counter()
    await asyncio.gather(*(_client(port, request, stop, latencies) for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000, len(ordered) / elapsed


def process_cpu(pid: int | None) -> float:
    """Seconds of CPU the process has used (user + system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _start(
    target: Callable[..., None], args: tuple[object, ...]
) -> tuple[multiprocessing.process.BaseProcess, int]:
    port = free_port()
    proc = multiprocessing.get_context("spawn").Process(target=target, args=(*args, port), daemon=True)
    proc.start()
    deadline = time.monotonic() + 30
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return proc, port
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.1)


def run_database(label: str, db_url: str, seconds: float) -> list[str]:
    master = Fernet.generate_key().decode()
    key, connection_id, job_id = seed(db_url, master)
    server, port = _start(serve, (db_url, master, 64.0))
    # The same server with nothing kept rendered: every list renders its 100 records, as the first
    # read of records after they changed does.
    uncached, uncached_port = _start(serve, (db_url, master, 0.0))
    bare, bare_port = _start(serve_bare, (db_url, connection_id))
    headers = f"Host: 127.0.0.1\r\nAuthorization: Bearer {key}\r\nX-Connection-Id: {connection_id}\r\n"
    kinds = {
        "bare route (100 rows, orjson)": (bare_port, b"GET /bare HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
        # The app's floor: a route that reads nothing, through the same middleware, routing and
        # thread pool as the resource routes; what a request costs before it does anything.
        "app floor (/healthz)": (port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
        "list (100)": (port, f"GET /resources/atsJob?limit=100 HTTP/1.1\r\n{headers}\r\n".encode()),
        "list (100), nothing kept": (
            uncached_port,
            f"GET /resources/atsJob?limit=100 HTTP/1.1\r\n{headers}\r\n".encode(),
        ),
        "retrieve": (port, f"GET /resources/atsJob/{job_id} HTTP/1.1\r\n{headers}\r\n".encode()),
    }
    pids = {port: server.pid, uncached_port: uncached.pid, bare_port: bare.pid}
    lines = []
    figures: dict[str, dict[int, tuple[float, float, float]]] = {}
    try:
        for kind, (target, request) in kinds.items():
            asyncio.run(measure(target, request, 2, 0.5))  # warm-up
            knee = None
            figures[kind] = {}
            for level in LEVELS:
                cpu_before, began = process_cpu(pids[target]), time.perf_counter()
                p50, p99, rps = figures[kind][level] = asyncio.run(measure(target, request, level, seconds))
                requests = rps * (time.perf_counter() - began)
                cpu_ms = (process_cpu(pids[target]) - cpu_before) / max(requests, 1) * 1000
                row = f"| {label} | {kind} | {level} | {p50:.1f} | {p99:.1f} | {rps:.0f} | {cpu_ms:.2f} |"
                lines.append(row)
                print(lines[-1], flush=True)
                if p99 > P99_LIMIT_MS and knee is None:
                    knee = f"{label} {kind}: p99 passes {P99_LIMIT_MS:.0f} ms at concurrency {level}"
                    knee += f", throughput there {rps:.0f} req/s"
            best = max(
                (f for f in figures[kind].values() if f[1] <= P99_LIMIT_MS), key=lambda f: f[2], default=None
            )
            lines.append(
                (
                    knee
                    or f"{label} {kind}: p99 stays under {P99_LIMIT_MS:.0f} ms up to concurrency {LEVELS[-1]}"
                )
                + (
                    f"; best throughput with p99 under {P99_LIMIT_MS:.0f} ms: {best[2]:.0f} req/s"
                    if best
                    else ""
                )
            )
            print(lines[-1], flush=True)
    finally:
        for proc in (server, uncached, bare):
            proc.terminate()
            proc.join(10)
    yard = figures["bare route (100 rows, orjson)"]
    for kind in ("app floor (/healthz)", "list (100)", "list (100), nothing kept", "retrieve"):
        ours = figures[kind]
        lines.append(
            f"{label} {kind} / bare route: p50 at concurrency 1 {ours[1][0] / yard[1][0]:.2f}x "
            f"({ours[1][0]:.1f} vs {yard[1][0]:.1f} ms), req/s at concurrency 4 "
            f"{ours[4][2] / yard[4][2]:.2f}x ({ours[4][2]:.0f} vs {yard[4][2]:.0f})"
        )
        print(lines[-1], flush=True)
    lines += goals(label, figures)
    return lines


def _best(figures: dict[int, tuple[float, float, float]]) -> float:
    """The most requests a second with p99 under the limit (0 when no level stays under it)."""
    return max((f[2] for f in figures.values() if f[1] <= P99_LIMIT_MS), default=0.0)


def goals(label: str, figures: dict[str, dict[int, tuple[float, float, float]]]) -> list[str]:
    """The goals of docs/development.md ("Server latency"), each met or NOT met, printed."""
    ratio = figures["list (100)"][1][0] / figures["bare route (100 rows, orjson)"][1][0]
    checks = [
        (f"list (100) p50 at concurrency 1 {ratio:.2f}x the bare route (goal <= 2x)", ratio <= 2.0),
        (
            f"list (100) best {_best(figures['list (100)']):.0f} req/s with p99 under 50 ms (goal >= 400)",
            _best(figures["list (100)"]) >= 400,
        ),
        (
            f"retrieve best {_best(figures['retrieve']):.0f} req/s with p99 under 50 ms (goal >= 1,000)",
            _best(figures["retrieve"]) >= 1000,
        ),
    ]
    out = [f"{label} {text}: {'met' if ok else 'NOT met'}" for text, ok in checks]
    for line in out:
        print(line, flush=True)
    return out


@contextlib.contextmanager
def private_postgres() -> Iterator[str | None]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        yield None
        return
    bindir = Path(found[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    as_owner = (lambda c: ["runuser", "-u", "postgres", "--", *c]) if os.geteuid() == 0 else (lambda c: c)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()

    def run(cmd: list[str]) -> None:
        subprocess.run(as_owner(cmd), check=True, capture_output=True)

    run([str(bindir / "initdb"), "-D", str(root / "data"), "-U", "postgres", "-A", "trust", "--no-sync"])
    run(
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(root / "data"),
            "-l",
            str(root / "log"),
            "-w",
            "start",
            "-o",
            f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off",
        ]
    )
    try:
        run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "bench"])
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/bench"
    finally:
        subprocess.run(
            as_owner([str(bindir / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per concurrency level")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--postgres-url")
    parser.add_argument("--idle-seconds", type=float, default=30.0, help="0 skips the idle measure")
    args = parser.parse_args()
    print(
        "| database | request | concurrency | p50 ms | p99 ms | req/s | server CPU ms/req |\n"
        "|---|---|---|---|---|---|---|"
    )
    with tempfile.TemporaryDirectory() as tmp:
        results = run_database("SQLite", f"sqlite:///{tmp}/bench.db", args.seconds)
        if not args.no_postgres:
            with contextlib.ExitStack() as stack:
                url = args.postgres_url or stack.enter_context(private_postgres())
                if url:
                    results += run_database("PostgreSQL", url, args.seconds)
                else:
                    print("PostgreSQL not installed: skipped")
    if args.idle_seconds > 0:
        from _idle_cpu import idle_cpu_share

        share = idle_cpu_share(args.idle_seconds)
        goal = "met" if share <= 0.005 else "NOT met"
        results.append(
            f"idle serve over {args.idle_seconds:.0f} s: {share * 100:.2f}% of a core (goal <= 0.5%: {goal})"
        )
        print(results[-1], flush=True)
    results.append(f"load average at the end: {os.getloadavg()[0]:.1f} (the figures need a quiet machine)")
    print(orjson.dumps([r for r in results if not r.startswith("|")], option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
