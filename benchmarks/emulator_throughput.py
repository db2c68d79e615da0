"""Records per second the emulator serves to a bare httpx loop (pages of 100, one connection).

    .venv/bin/python benchmarks/emulator_throughput.py --candidates 20000 --kinds candidate,application

The emulator must never be the bottleneck of the sync benchmarks; this measures its ceiling.
"""

from __future__ import annotations

import argparse
import time

import httpx

from ashby_connector.emulator import run_emulator


def walk(client: httpx.Client, operation: str) -> tuple[int, int]:
    """Pages through one list; returns (records, requests)."""
    body: dict[str, object] = {"limit": 100}
    records = requests = 0
    while True:
        page = client.post(f"/{operation}", json=body).json()
        requests += 1
        records += len(page["results"])
        if not page["moreDataAvailable"]:
            return records, requests
        body = {"limit": 100, "cursor": page["nextCursor"]}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--candidates", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kinds", default="candidate,application,applicationFeedback,interviewSchedule")
    parser.add_argument(
        "--compress",
        choices=("auto", "on", "off"),
        default="auto",
        help="compressed record storage (auto: from 50,000 candidates)",
    )
    args = parser.parse_args()
    compress = {"auto": None, "on": True, "off": False}[args.compress]
    started = time.perf_counter()
    with run_emulator(
        seed=args.seed, candidates=args.candidates, rate_limit_per_minute=None, compress_records=compress
    ) as emu:
        print(f"generated {args.candidates:,} candidates in {time.perf_counter() - started:.1f} s")
        with httpx.Client(base_url=emu.base_url, auth=(emu.api_key, ""), timeout=60) as client:
            total_records = total_seconds = 0.0
            for kind in args.kinds.split(","):
                t0 = time.perf_counter()
                records, requests = walk(client, f"{kind}.list")
                dt = time.perf_counter() - t0
                total_records += records
                total_seconds += dt
                print(
                    f"{kind + '.list':28s} {records:>9,} records {requests:>6,} requests "
                    f"{dt:6.2f} s  {records / dt:>9,.0f} records/s  {requests / dt:>6,.0f} requests/s"
                )
            rate = total_records / total_seconds
            print(f"{'overall':28s} {int(total_records):>9,} records {rate:>33,.0f} records/s")


if __name__ == "__main__":
    main()
