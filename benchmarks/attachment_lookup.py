#!/usr/bin/env python3
"""Finding one attachment by id among N stored candidates: through the piece index (what
``GET /resources/atsAttachment/{id}`` does) against reading and exploding every candidate (what it
did before), side by side, on SQLite.

    python benchmarks/attachment_lookup.py [--candidates 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ashby_connector import unified
from ashby_connector.store import Store


def candidate(i: int) -> dict[str, Any]:
    return {
        "id": f"cand-{i:06d}",
        "name": f"Person {i}",
        "createdAt": "2024-01-01T00:00:00Z",
        "updatedAt": "2024-01-02T00:00:00Z",
        "fileHandles": [{"id": f"file-{i}", "name": f"cv-{i}.pdf", "handle": f"h-{i}"}],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    spec = unified.MODELS["atsAttachment"]
    wanted = f"file-{args.candidates - 1}"
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'bench.db'}")
        started = time.perf_counter()
        for start in range(0, args.candidates, 5000):
            batch = [candidate(i) for i in range(start, min(start + 5000, args.candidates))]
            store.upsert_records("c1", "candidate", batch)
        seeded = time.perf_counter() - started

        def indexed() -> bool:
            return any(
                p["id"] == wanted
                for r in store.find_holders("c1", "candidate", wanted)
                for p in spec.explode(r.raw)
            )

        def full_read() -> bool:
            cursor, found = None, False
            while True:
                page = store.list("c1", "candidate", cursor=cursor, limit=500)
                found = found or any(p["id"] == wanted for r in page.records for p in spec.explode(r.raw))
                if page.next_cursor is None:
                    return found
                cursor = page.next_cursor

        rows = []
        for name, lookup in (("piece index", indexed), ("read every candidate", full_read)):
            best = float("inf")
            for _ in range(args.repeat):
                t = time.perf_counter()
                assert lookup()
                best = min(best, time.perf_counter() - t)
            rows.append((name, best))
        store.close()
    print(f"{args.candidates:,} candidates seeded in {seeded:.1f} s; best of {args.repeat}:")
    for name, best in rows:
        print(f"  {name:<22} {best * 1000:10.2f} ms")
    print(f"  speed-up               {rows[1][1] / rows[0][1]:10.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
