#!/usr/bin/env python3
"""Per-request overhead of ``AshbyClient`` against bare httpx, on the same local server, in one run.

A server process on 127.0.0.1 answers every POST with the same ``candidate.list`` page of 100
records (about 60 KB). Each variant sends the same request the same number of times; the rounds are
interleaved so drift and noise hit every variant alike, and the median round is reported.

Variants:
- ``httpx``: idiomatic bare httpx (``json=``, ``auth=``, ``response.json()``): the baseline.
- ``httpx+orjson``: bare httpx with orjson encoding/decoding (the strictest baseline).
- ``client.call``: our raw path (envelope check, error mapping, retry loop, plain dicts).
- ``client.candidate.list``: our typed path, including pydantic model parsing (reported separately).

Goal: ``client.call`` at most 1.15x the baseline for a 100-record page. Both wall time and this
process's CPU time are reported (the server runs in its own process).

Then, without any network, the cost of typed parsing alone on the same page bytes, against bare
``orjson.loads`` (goal: at most 2x to have the typed page in hand): the client's own typed page
(decode, build the page; each record becomes a ``Candidate``, nested objects included, when first
read), the same page with every field of every record then read, and pydantic validating straight
from the bytes (``model_validate_json``) for comparison.

    python benchmarks/client_overhead.py [--requests 200] [--rounds 7] [--parse-only]
"""

from __future__ import annotations

import argparse
import base64
import multiprocessing
import socket
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from ashby_connector import AshbyClient

KEY = "bench-key"


def record(i: int) -> dict[str, Any]:
    uid = str(uuid.UUID(int=i))
    email = {"value": f"person{i}@example.com", "type": "Personal", "isPrimary": True}
    return {
        "id": uid,
        "createdAt": "2026-01-02T03:04:05.000Z",
        "updatedAt": "2026-01-03T03:04:05.000Z",
        "name": f"Person {i}",
        "primaryEmailAddress": email,
        "emailAddresses": [email],
        "primaryPhoneNumber": {"value": "+1 555 0100", "type": "Work", "isPrimary": True},
        "phoneNumbers": [{"value": "+1 555 0100", "type": "Work", "isPrimary": True}],
        "socialLinks": [{"type": "LinkedIn", "url": f"https://linkedin.com/in/p{i}"}],
        "tags": [{"id": uid, "title": "Python", "isArchived": False}],
        "position": "Engineer",
        "company": "Acme",
        "school": "Uni",
        "applicationIds": [uid],
        "resumeFileHandle": {"id": uid, "name": "cv.pdf", "handle": "h"},
        "fileHandles": [{"id": uid, "name": "cv.pdf", "handle": "h"}],
        "customFields": [{"id": uid, "title": "Level", "value": "Senior", "isPrivate": False}],
        "profileUrl": f"https://app.ashbyhq.com/candidates/{uid}",
        "source": {"id": uid, "title": "Referral", "isArchived": False},
        "creditedToUser": None,
        "timezone": "Europe/Berlin",
        "location": {"id": uid, "locationSummary": "Berlin, DE", "locationComponents": []},
    }


PAGE = orjson.dumps(
    {
        "success": True,
        "results": [record(i) for i in range(100)],
        "moreDataAvailable": True,
        "nextCursor": "c",
    }
)


async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The smallest possible server: drain the body, answer the fixed page."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    headers = [(b"content-type", b"application/json"), (b"x-ashby-request-id", b"bench")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": PAGE})


def run_server(port: int) -> None:
    import uvicorn

    uvicorn.run(asgi, host="127.0.0.1", port=port, log_level="error", access_log=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("benchmark server did not start")


def variants(base_url: str) -> dict[str, Callable[[], Any]]:
    body = {"limit": 100}
    url = f"{base_url}/candidate.list"
    plain = httpx.Client()
    fast = httpx.Client()
    token = base64.b64encode(f"{KEY}:".encode()).decode()
    auth_header = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}
    ours = AshbyClient(KEY, base_url=base_url, rate_limit_per_minute=None)

    def bare() -> Any:
        return plain.post(url, json=body, auth=(KEY, "")).json()

    def bare_orjson() -> Any:
        return orjson.loads(fast.post(url, content=orjson.dumps(body), headers=auth_header).content)

    return {
        "httpx": bare,
        "httpx+orjson": bare_orjson,
        "client.call": lambda: ours.call("candidate.list", body),
        "client.candidate.list": lambda: ours.candidate.list(),
    }


def parse_variants() -> dict[str, Callable[[], Any]]:
    """Typed parsing of one page, as the client does it, against bare decoding."""
    from pydantic import BaseModel, TypeAdapter

    from ashby_connector.client._response import AshbyResponse, Page
    from ashby_connector.types import Candidate

    class Envelope(BaseModel):
        results: list[Candidate]

    untyped: TypeAdapter[Any] = TypeAdapter(Any)
    fields = list(Candidate.model_fields)

    def typed() -> Page[Candidate]:
        # Exactly what ``client.candidate.list()`` does once the bytes are in: decode, build the
        # page, map each record to its model (validated when first read).
        return Page.from_response(AshbyResponse(orjson.loads(PAGE)), None).map(Candidate.from_raw)

    def read_all(page: Page[Candidate]) -> None:
        for record in page.results:
            for name in fields:
                getattr(record, name)

    return {
        "orjson.loads": lambda: orjson.loads(PAGE),
        "typed page in hand": typed,
        "typed page, every record read": lambda: read_all(typed()),
        "model_validate_json": lambda: Envelope.model_validate_json(PAGE),
        # The floor for any eager pydantic validation: its JSON parser building plain objects.
        "pydantic JSON, no model": lambda: untyped.validate_json(PAGE),
    }


def run_parse(rounds: int, repeat: int) -> None:
    funcs = parse_variants()
    cpu: dict[str, list[float]] = {name: [] for name in funcs}
    for fn in funcs.values():
        fn()
    for _ in range(rounds):
        for name, fn in funcs.items():
            start = time.process_time()
            for _ in range(repeat):
                fn()
            cpu[name].append((time.process_time() - start) / repeat)
    base = statistics.median(cpu["orjson.loads"])
    print(f"\ntyped parsing of the same 100-record page, no network ({rounds} rounds x {repeat})")
    print(f"{'variant':32} {'cpu ms/page':>11} {'vs orjson.loads':>16}")
    for name, times in cpu.items():
        med = statistics.median(times)
        print(f"{name:32} {med * 1000:11.3f} {med / base:15.2f}x")
    in_hand = statistics.median(cpu["typed page in hand"]) / base
    read = statistics.median(cpu["typed page, every record read"]) / base
    print(
        f"typed page: {in_hand:.2f}x orjson.loads to have it in hand, "
        f"{read:.2f}x with every record read (goal: in hand at most 2x)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per variant per round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--parse-only", action="store_true", help="only the typed-parsing comparison")
    args = parser.parse_args()
    if args.parse_only:
        run_parse(args.rounds, args.requests)
        return 0
    port = free_port()
    server = multiprocessing.Process(target=run_server, args=(port,), daemon=True)
    server.start()
    try:
        wait_for(port)
        funcs = variants(f"http://127.0.0.1:{port}")
        for fn in funcs.values():  # warm up connections and imports
            for _ in range(20):
                fn()
        times: dict[str, list[float]] = {name: [] for name in funcs}
        # CPU time of this process only (the server runs in another): the client-side cost,
        # much less disturbed than wall time when other work shares the machine.
        cpu: dict[str, list[float]] = {name: [] for name in funcs}
        for _ in range(args.rounds):
            for name, fn in funcs.items():
                start, start_cpu = time.perf_counter(), time.process_time()
                for _ in range(args.requests):
                    fn()
                times[name].append((time.perf_counter() - start) / args.requests)
                cpu[name].append((time.process_time() - start_cpu) / args.requests)
    finally:
        server.terminate()
        server.join(5)
    base = statistics.median(times["httpx"])
    strict = statistics.median(times["httpx+orjson"])
    print(
        f"100-record candidate.list page ({len(PAGE) // 1024} KB), "
        f"{args.rounds} rounds x {args.requests} requests"
    )
    cpu_base = statistics.median(cpu["httpx"])
    cpu_strict = statistics.median(cpu["httpx+orjson"])
    print(
        f"{'variant':24} {'wall ms/req':>11} {'vs httpx':>9} {'vs +orjson':>11}"
        f" {'cpu ms/req':>11} {'vs httpx':>9} {'vs +orjson':>11}"
    )
    for name in funcs:
        med, med_cpu = statistics.median(times[name]), statistics.median(cpu[name])
        print(
            f"{name:24} {med * 1000:11.3f} {med / base:8.2f}x {med / strict:10.2f}x"
            f" {med_cpu * 1000:11.3f} {med_cpu / cpu_base:8.2f}x {med_cpu / cpu_strict:10.2f}x"
        )
    run_parse(args.rounds, args.requests)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
