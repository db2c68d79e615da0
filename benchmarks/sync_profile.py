"""Where a first sync's CPU goes: one first sync at the default policies, sampled with py-spy.

    .venv/bin/pip install py-spy          # a profiler, not a dependency of the project
    .venv/bin/py-spy record --gil --format raw -o /tmp/sync.txt -r 200 -- \\
        .venv/bin/python benchmarks/sync_profile.py --candidates 20000 --no-floor
    .venv/bin/python benchmarks/sync_profile.py --summarize /tmp/sync.txt

The run (emulator in its own process, rate limit off, a fresh SQLite store) prints the sync's CPU
per stored page beside bare fetch's, as ``sync_cost.py`` (e) does. ``--gil`` samples only the
thread holding the interpreter lock: Python's own work, not threads waiting for a lock, a page or
the database (SQLite's own C work runs without the lock and is left out). ``--summarize`` reads
py-spy's collapsed stacks and prints the functions with the most samples of their own, and the
project's functions with the most samples in all.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from sync_cost import emulator_process, floor  # noqa: E402

from ashby_connector.client import AshbyClient  # noqa: E402
from ashby_connector.store import Store  # noqa: E402
from ashby_connector.sync import SyncEngine, SyncReport, young_gc  # noqa: E402


class GCTime:
    """CPU the cyclic garbage collector takes (in the thread it runs in), and how many runs."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.runs = 0
        self._started = 0.0

    def __call__(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.thread_time()
        else:
            self.seconds += time.thread_time() - self._started
            self.runs += 1


def first_sync(emu: dict[str, str]) -> tuple[SyncReport, float, int, GCTime]:
    """A first sync at the default policies, no plan before it: (report, CPU s, pages, GC time)."""
    collector = GCTime()
    with (
        tempfile.TemporaryDirectory(prefix="bench-profile-") as folder,
        Store.open(f"sqlite:///{folder}/copy.db") as store,
        AshbyClient(emu["api_key"], base_url=emu["base_url"], rate_limit_per_minute=None) as client,
    ):
        gc.callbacks.append(collector)
        cpu = time.process_time()
        try:
            report = SyncEngine(client, store).run()
        finally:
            cpu = time.process_time() - cpu
            gc.callbacks.remove(collector)
    return report, cpu, sum(s.pages for s in report.streams), collector


def run(candidates: int, with_floor: bool) -> None:
    with emulator_process(candidates) as emu:
        bare_ms = None
        if with_floor:
            _records, floor_requests, floor_cpu = floor(emu)
            bare_ms = floor_cpu / floor_requests * 1000
        report, cpu, pages, collector = first_sync(emu)
    assert report.ok, report.to_dict()
    sync_ms = cpu / max(1, pages) * 1000
    line = f"{candidates:,} candidates: {pages:,} pages stored, {report.requests:,} requests, {cpu:.1f} s CPU"
    line += f" ({collector.seconds:.1f} s in {collector.runs:,} garbage collections)"
    line += f"; CPU per page: sync {sync_ms:.2f} ms"
    if bare_ms is not None:
        line += f", bare fetch {bare_ms:.2f} ms ({sync_ms / bare_ms:.2f}x)"
    print(line)


def _frame(entry: str) -> str:
    """``name (path/to/file.py:123)`` -> ``file.py:name``."""
    name, _, where = entry.partition(" (")
    return f"{Path(where.split(':')[0]).name}:{name}" if where else name


def summarize(path: Path, top: int) -> None:
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_frame(f) for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        n = int(count)
        samples += n
        own[frames[-1]] += n
        for f in set(frames):
            total[f] += n
    print(f"{samples:,} on-CPU samples")
    print("self (the function's own code):")
    for name, n in own.most_common(top):
        print(f"  {n / samples:6.1%}  {name}")
    print("inclusive, the project's functions:")
    project = [(n, name) for name, n in total.items() if _is_project(name)]
    for n, name in sorted(project, reverse=True)[:top]:
        print(f"  {n / samples:6.1%}  {name}")


def _is_project(name: str) -> bool:
    from ashby_connector import client, store, sync

    files = {p.name for pkg in (client, store, sync) for p in Path(pkg.__file__).parent.glob("*.py")}
    return name.split(":")[0] in files - {"__init__.py"}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--candidates", type=int, default=20_000)
    parser.add_argument("--summarize", type=Path, help="py-spy's --format raw output to summarize")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--gc-threshold",
        type=int,
        default=None,
        help="the young GC threshold while the sync runs (700, CPython's default, shows the cost before "
        "sync.young_gc)",
    )
    parser.add_argument(
        "--no-floor", action="store_true", help="skip bare fetch (keeps it out of a profile of the sync)"
    )
    args = parser.parse_args()
    if args.summarize:
        summarize(args.summarize, args.top)
    else:
        if args.gc_threshold is not None:
            young_gc.YOUNG_THRESHOLD = args.gc_threshold
        run(args.candidates, not args.no_floor)


if __name__ == "__main__":
    main()
