"""Inbound webhook ingest: signed Ashby events posted over 127.0.0.1 to the real receiver.

Measures, per database: events per second accepted into the inbox, p50/p99 time to the 2xx, and
the time until every event is applied to the store (the processor runs alongside, as in the
server). Goal: >= 1,000 events/s accepted with p99 < 20 ms on SQLite.

    .venv/bin/python benchmarks/webhook_ingest.py                     # SQLite + a private PostgreSQL
    .venv/bin/python benchmarks/webhook_ingest.py --events 20000 --concurrency 16
    .venv/bin/python benchmarks/webhook_ingest.py --postgres-url postgresql+psycopg://u@127.0.0.1/db
    .venv/bin/python benchmarks/webhook_ingest.py --no-postgres

The load generator speaks HTTP/1.1 over keep-alive sockets with asyncio streams, so it costs little
CPU next to the server it measures.
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
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import orjson
import uvicorn
from cryptography.fernet import Fernet

from ashby_connector.core.app import Core
from ashby_connector.core.settings import Settings
from ashby_connector.server import create_app
from ashby_connector.store import Store
from ashby_connector.store.secrets import SecretBox
from ashby_connector.webhooks import WebhookService, sign_ashby_body

CONNECTION = "bench-conn"


@dataclass
class Result:
    backend: str
    events: int
    accepted_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    applied_s: float
    cpu_ms_per_event: float  # the server process's CPU (receiver and processor) per event


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_events(n: int, secret: str) -> list[bytes]:
    """Signed applicationUpdate webhooks over n/4 applications, each updated a few times."""
    requests = []
    apps = max(1, n // 4)
    for i in range(n):
        app_id = f"app-{i % apps:06d}"
        minute, second = divmod(i // apps, 60)
        body = orjson.dumps(
            {
                "webhookActionId": f"bench-{i:08d}",
                "action": "applicationUpdate",
                "data": {
                    "application": {
                        "id": app_id,
                        "status": "Active",
                        "createdAt": "2026-01-01T00:00:00.000Z",
                        "updatedAt": f"2026-01-01T01:{minute:02d}:{second:02d}.000Z",
                        "candidate": {"id": f"cand-{i % apps:06d}", "name": "Bench Candidate"},
                        "currentInterviewStage": {"id": f"stage-{i % 5}", "title": f"Stage {i % 5}"},
                        "job": {"id": "job-1", "title": "Engineer"},
                    }
                },
            }
        )
        head = (
            f"POST /webhooks/ashby/{CONNECTION} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"Ashby-Signature: {sign_ashby_body(secret, body)}\r\n\r\n"
        ).encode()
        requests.append(head + body)
    return requests


async def _worker(port: int, queue: asyncio.Queue[bytes], latencies: list[float], errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while True:
            try:
                request = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            status = int(status_line.split()[1])
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


Load = tuple[float, list[float], list[int], float]  # seconds, latencies, errors, monotonic start


async def load(port: int, requests: list[bytes], concurrency: int) -> Load:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    latencies: list[float] = []
    errors: list[int] = []
    began = time.monotonic()  # the same clock in every process: "applied" counts from here
    started = time.perf_counter()
    await asyncio.gather(*(_worker(port, queue, latencies, errors) for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, errors, began


def _load_child(port: int, requests: list[bytes], concurrency: int, out: Connection) -> None:
    out.send(asyncio.run(load(port, requests, concurrency)))
    out.close()


def load_in_subprocess(port: int, requests: list[bytes], concurrency: int) -> Load:
    """The load generator in its own process, so it never competes with the server for the GIL."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_load_child, args=(port, requests, concurrency, child))
    proc.start()
    result: Load = parent.recv()
    proc.join()
    return result


def serve(core: Core, port: int) -> uvicorn.Server:
    # The whole server; no lifespan, so the processor starts only when this benchmark says.
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(core=core),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
    )
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    return server


def _external_processor(url: str, stop: Any) -> None:
    """``ashby-connector webhooks process`` in miniature: the processor in its own process."""
    store = Store.open(url, migrate=False)
    service = WebhookService.for_store(store, SecretBox(Fernet.generate_key()))
    service.processor.run(stop)
    store.close()


def run_backend(
    name: str, url: str, n: int, concurrency: int, *, process_after: bool = False, external: bool = False
) -> Result:
    store = Store.open(url)
    master_key = Fernet.generate_key()
    core = Core(Settings(db_url=url, master_key=master_key.decode()), store, SecretBox(master_key))
    service = core.webhooks
    secret = service.registry.ensure_secret(CONNECTION)
    requests = make_events(n, secret)
    port = free_port()
    server = serve(core, port)
    # Warm up (connections, caches, first-statement compilation) with a few pings.
    ping = orjson.dumps({"action": "ping", "data": {}})
    warm = (
        f"POST /webhooks/ashby/{CONNECTION} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(ping)}\r\n"
        f"Ashby-Signature: {sign_ashby_body(secret, ping)}\r\n\r\n"
    ).encode() + ping
    asyncio.run(load(port, [warm] * 50, 4))
    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    worker = ctx.Process(target=_external_processor, args=(url, stop)) if external else None
    if worker is not None:
        worker.start()  # a separate worker process applies events (recommended for high volume)
    elif not process_after:
        service.start(deliver=False)  # as in the server: the processor runs while events arrive
    cpu_before = time.process_time()  # every thread of this process: the server and processor
    # Timed from the first request the load process sends (starting that process is not ingest).
    elapsed, latencies, errors, started = load_in_subprocess(port, requests, concurrency)
    if process_after and worker is None:
        started = time.monotonic()
        service.start(deliver=False)
    while service.inbox.counts().get("done", 0) < n:
        time.sleep(0.02)
    applied = time.monotonic() - started
    cpu = time.process_time() - cpu_before
    if worker is not None:
        stop.set()
        worker.join(10)
    service.close()
    server.should_exit = True
    store.close()
    if errors:
        raise SystemExit(f"{name}: {len(errors)} requests failed, e.g. HTTP {errors[0]}")
    latencies.sort()
    return Result(
        backend=name,
        events=n,
        accepted_per_s=n / elapsed,
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=latencies[int(len(latencies) * 0.99) - 1] * 1000,
        max_ms=latencies[-1] * 1000,
        applied_s=applied,
        cpu_ms_per_event=cpu / n * 1000,
    )


@contextlib.contextmanager
def private_postgres() -> Iterator[str]:
    """A throwaway PostgreSQL server in a temp folder (as the ``postgres`` user when root)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise FileNotFoundError("PostgreSQL binaries not found (make postgres installs them)")
    bindir = Path(found[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    as_owner: list[str] = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_owner:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()

    def run(*cmd: str) -> None:
        subprocess.run([*as_owner, *cmd], check=True, capture_output=True)

    run(str(bindir / "initdb"), "-D", str(root / "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8")
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {root}"
    run(str(bindir / "pg_ctl"), "-D", str(root / "data"), "-l", str(root / "log"), "-o", opts, "-w", "start")
    try:
        run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "bench")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/bench"
    finally:
        subprocess.run(
            [*as_owner, str(bindir / "pg_ctl"), "-D", str(root / "data"), "-m", "fast", "-w", "stop"],
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--postgres-url", help="use this PostgreSQL instead of starting a private one")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--process-after",
        action="store_true",
        help="accept everything first, then time the processing alone (default: both at once)",
    )
    parser.add_argument(
        "--external-processor",
        action="store_true",
        help="apply events in a separate process (like `ashby-connector webhooks process`)",
    )
    args = parser.parse_args()

    results = []
    pa = args.process_after
    ext = args.external_processor
    with tempfile.TemporaryDirectory() as folder:
        results.append(
            run_backend(
                "SQLite",
                f"sqlite:///{folder}/bench.db",
                args.events,
                args.concurrency,
                process_after=pa,
                external=ext,
            )
        )
    if args.postgres_url:
        results.append(
            run_backend(
                "PostgreSQL", args.postgres_url, args.events, args.concurrency, process_after=pa, external=ext
            )
        )
    elif not args.no_postgres:
        try:
            with private_postgres() as url:
                results.append(
                    run_backend(
                        "PostgreSQL", url, args.events, args.concurrency, process_after=pa, external=ext
                    )
                )
        except (FileNotFoundError, subprocess.CalledProcessError) as exc:
            print(f"PostgreSQL skipped: {exc}")

    mode = "processed after" if pa else "processed while arriving"
    mode += " by a separate process" if ext else " in the server process"
    print(f"\n{args.events} signed webhooks, {args.concurrency} connections, {mode}, {os.cpu_count()} CPUs")
    print(
        f"{'database':<12}{'accepted/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'all applied s':>15}"
        f"{'server CPU ms/event':>21}"
    )
    for r in results:
        print(
            f"{r.backend:<12}{r.accepted_per_s:>12.0f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}{r.max_ms:>9.1f}"
            f"{r.applied_s:>15.2f}{r.cpu_ms_per_event:>21.2f}"
        )
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} (the figures need a quiet machine)")
    sqlite = results[0]
    ok = sqlite.accepted_per_s >= 1000 and sqlite.p99_ms < 20
    print(f"goal (SQLite >= 1,000/s, p99 < 20 ms): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
