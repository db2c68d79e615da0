#!/usr/bin/env python3
"""How fast the command line answers and the client imports: wall time of fresh processes.

Each command runs ``--runs`` times (interleaved, so drift hits every command alike) and the median
wall time is printed beside the goal, with ``python -c pass`` as the floor every process pays and
the load average, since other work on the machine inflates every figure. Then ``python -X
importtime`` shows what is left: the slowest imports (cumulative) of ``import ashby_connector.cli``
and ``import ashby_connector.client``.

Goals: ``ashby-connector --help`` and ``version`` at most 0.5 s; ``sync --help`` at most 0.7 s;
``import ashby_connector.client`` at most 0.6 s.

With ``--suite`` it also times ``make test-fast`` and ``make test`` once each (minutes; the whole
suite: only on a machine nobody else is using).

    python benchmarks/startup.py [--runs 5] [--top 12] [--suite]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
CLI = shutil.which("ashby-connector", path=str(Path(PYTHON).parent)) or "ashby-connector"

# (label, argv, goal in seconds or None)
COMMANDS: list[tuple[str, list[str], float | None]] = [
    ("python -c pass (floor)", [PYTHON, "-c", "pass"], None),
    ("ashby-connector --help", [CLI, "--help"], 0.5),
    ("ashby-connector version", [CLI, "version"], 0.5),
    ("ashby-connector sync --help", [CLI, "sync", "--help"], 0.7),
    ("import ashby_connector.client", [PYTHON, "-c", "import ashby_connector.client"], 0.6),
]


def wall(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run: CPU barely moves with the load."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return took, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def medians(runs: int) -> None:
    times: dict[str, list[float]] = {label: [] for label, _, _ in COMMANDS}
    cpu: dict[str, list[float]] = {label: [] for label, _, _ in COMMANDS}
    for _label, argv, _ in COMMANDS:  # warm the file cache and the bytecode once
        wall(argv)
    for _ in range(runs):
        for label, argv, _ in COMMANDS:
            took, used = wall(argv)
            times[label].append(took)
            cpu[label].append(used)
    print(f"median wall of {runs} runs (load average before: {load()})")
    for label, _, goal in COMMANDS:
        median = statistics.median(times[label])
        verdict = "" if goal is None else f"  goal <= {goal:.1f} s: {'met' if median <= goal else 'NOT met'}"
        spent = statistics.median(cpu[label])
        print(f"  {label:34} {median:6.3f} s wall (min {min(times[label]):.3f}), {spent:.3f} s CPU{verdict}")
    print(f"load average after: {load()}")


def importtime(module: str, top: int) -> None:
    done = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", f"import {module}"], capture_output=True, text=True
    )
    rows: list[tuple[int, int, str]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        rows.append((int(cumulative), int(own), name))
    rows.sort(reverse=True)
    print(f"python -X importtime -c 'import {module}': the {top} slowest (cumulative, microseconds)")
    for cumulative, own, name in rows[:top]:
        print(f"  {cumulative:9,d} {own:9,d}  {name}")


def suite() -> None:
    for target in ("test-fast", "test"):
        before = load()
        start = time.perf_counter()
        done = subprocess.run(["make", target], cwd=ROOT, capture_output=True, text=True)
        took = time.perf_counter() - start
        closing = [
            line
            for line in done.stdout.splitlines()
            if " in " in line and ("passed" in line or "failed" in line)
        ]
        print(
            f"make {target}: {took:.0f} s wall (exit {done.returncode}; load before {before}, after {load()})"
        )
        print(f"  {closing[-1] if closing else '(no pytest closing line)'}")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--suite", action="store_true", help="also time make test-fast and make test")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores")
    medians(args.runs)
    importtime("ashby_connector.cli", args.top)
    importtime("ashby_connector.client", args.top)
    if args.suite:
        suite()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
