"""The floor of a sync: every page of the given top-level streams fetched with bare httpx, nothing
parsed but the cursor. Shared by the sync benchmarks so they measure the same floor."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable
from typing import Any

import httpx
import orjson

from ashby_connector.sync import Stream


def bare_fetch(
    emu: dict[str, str],
    streams: Iterable[Stream],
    concurrency: int,
    timeout: float,
    per_operation: dict[str, int] | None = None,
) -> tuple[int, int, float, float]:
    """(records, requests, wall seconds, CPU seconds of this process) for every page of ``streams``;
    ``per_operation``, when given, gets each list's requests."""
    jobs: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
    for s in streams:
        base = dict(s.base_body)
        for body in [{**base, f: v} for f, v in s.partitions] or [base]:
            jobs.put((s.operation, body | ({"limit": 100} if s.paginated else {})))
    totals = {"records": 0, "requests": 0}
    lock = threading.Lock()

    def work() -> None:
        with httpx.Client(auth=(emu["api_key"], ""), timeout=timeout) as http:
            while True:
                try:
                    op, body = jobs.get_nowait()
                except queue.Empty:
                    return
                records = requests = 0
                while True:
                    data = orjson.loads(http.post(f"{emu['base_url']}/{op}", json=body).content)
                    requests += 1
                    records += len(data.get("results") or [])
                    if not (data.get("moreDataAvailable") and data.get("nextCursor")):
                        break
                    body = {**body, "cursor": data["nextCursor"]}
                with lock:
                    totals["records"] += records
                    totals["requests"] += requests
                    if per_operation is not None:
                        per_operation[op] = per_operation.get(op, 0) + requests

    started, cpu = time.monotonic(), time.process_time()
    threads = [threading.Thread(target=work) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return totals["records"], totals["requests"], time.monotonic() - started, time.process_time() - cpu
