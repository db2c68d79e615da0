"""What a first copy costs in requests, at 2,000 and 100,000 candidates (issue 10's benchmark).

    .venv/bin/python benchmarks/sync_cost.py                      # 2,000 and 100,000
    .venv/bin/python benchmarks/sync_cost.py --sizes 2000         # a quick run

For each size, one emulator process (rate limit off) and fresh SQLite stores:
(a) the floor: one request per 100 records of every top-level list (bare httpx, 6 at once);
(b) a first sync with the default child policies: requests, ratio to (a), the excess over (a) per
    stream, and the time to a usable copy and to complete, as minutes at 1,000 requests a minute;
(c) a first sync with every child list ``eager``: requests, and the excess over (a) + apiKey.info +
    one request per parent asked per child list (the parents the hints leave out are not asked);
(d) the plan's estimate (``SyncEngine.plan()`` before each run) against (b) and (c);
(e) CPU of this process (the sync) per stored page in (b), beside bare fetch's per page in (a);
(f) at 2,000 only: (b) again at real pace, the emulator limited to 1,000 requests a minute and
    the client at the same budget: wall time against the plan's estimate, and 429s seen.
Figures are printed side by side at the end.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _bare_fetch import bare_fetch  # noqa: E402

from ashby_connector.client import AshbyClient  # noqa: E402
from ashby_connector.emulator.in_process import Control  # noqa: E402
from ashby_connector.store import Store  # noqa: E402
from ashby_connector.sync import SyncEngine, SyncReport, all_streams  # noqa: E402
from ashby_connector.sync.plan import Plan  # noqa: E402
from ashby_connector.sync.policies import every_child  # noqa: E402

BUDGET = 1000.0  # requests a minute: Ashby's usual per-key figure

SERVE = """
import json, sys
from ashby_connector.emulator import run_emulator
with run_emulator(seed=1, candidates=int(sys.argv[1]), rate_limit_per_minute=None) as emu:
    info = {"base_url": emu.base_url, "api_key": emu.api_key, "admin_key": emu.admin_key}
    print(json.dumps(info), flush=True)
    sys.stdin.read()
"""


@contextmanager
def emulator_process(candidates: int) -> Iterator[dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(candidates)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("the emulator did not start")
        yield json.loads(line)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(60)


def floor(
    emu: dict[str, str], concurrency: int = 6, per_operation: dict[str, int] | None = None
) -> tuple[int, int, float]:
    """(a): (records, requests, CPU seconds of this process) for every top-level list."""
    records, requests, _, cpu = bare_fetch(
        emu, [s for s in all_streams() if s.parent is None], concurrency, 120, per_operation
    )
    return records, requests, cpu


def excess_by_stream(report: SyncReport, floor_requests: dict[str, int]) -> dict[str, int]:
    """Requests of the run beyond the floor, per stream (and the permission check), largest first."""
    operations = {s.name: s.operation for s in all_streams()}
    excess = {"apiKey.info": report.setup_requests}
    for s in report.streams:
        excess[s.stream] = s.requests - floor_requests.get(operations.get(s.stream, ""), 0)
    return dict(sorted(((k, v) for k, v in excess.items() if v), key=lambda kv: -abs(kv[1])))


def first_sync(
    emu: dict[str, str], children: dict[str, str] | None, rate: float | None = None
) -> tuple[Plan, SyncReport, float, int]:
    """Plan, then run, a first sync into a fresh SQLite store: (plan, report, CPU s, pages stored)."""
    folder = tempfile.mkdtemp(prefix="bench-cost-")
    with (
        Store.open(f"sqlite:///{folder}/copy.db") as store,
        AshbyClient(emu["api_key"], base_url=emu["base_url"], rate_limit_per_minute=rate) as client,
    ):
        plan = SyncEngine(client, store, children=children).plan()
        cpu = time.process_time()
        report = SyncEngine(client, store, children=children).run()
        cpu = time.process_time() - cpu
    pages = sum(s.pages for s in report.streams)
    return plan, report, cpu, pages


def asked_parents(report: SyncReport) -> int:
    fan_out = {s.name for s in all_streams() if s.fans_out}
    return sum(s.requests for s in report.streams if s.stream in fan_out)


class _Count429(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "RateLimitError" in record.getMessage():
            self.count += 1


def measure(candidates: int, real_pace: bool, eager: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"candidates": candidates}
    with emulator_process(candidates) as emu:
        per_operation: dict[str, int] = {}
        records, floor_requests, floor_cpu = floor(emu, per_operation=per_operation)
        out["a_records"], out["a_requests"] = records, floor_requests
        out["a_cpu_ms_per_page"] = floor_cpu / floor_requests * 1000
        plan_b, b, cpu_b, pages_b = first_sync(emu, None)
        out |= {
            "b_requests": b.requests,
            "b_ratio": b.requests / floor_requests,
            "b_usable_requests": b.usable_requests,
            "b_usable_min": (b.usable_requests or 0) / BUDGET,
            "b_complete_min": b.requests / BUDGET,
            "b_ok": b.ok,
            "b_cpu_ms_per_page": cpu_b / max(1, pages_b) * 1000,
            "b_excess_by_stream": excess_by_stream(b, per_operation),
            "d_plan_b": plan_b.requests,
            "d_plan_b_usable": plan_b.usable_requests,
            "d_plan_count_requests": plan_b.count_requests,
        }
        if not eager:
            return out
        plan_c, c, _cpu_c, _ = first_sync(emu, every_child("eager"))
        parents = asked_parents(c)
        out |= {
            "c_requests": c.requests,
            "c_parents_asked": parents,
            "c_excess": c.requests - (floor_requests + c.setup_requests + parents),
            "c_ok": c.ok,
            "d_plan_c": plan_c.requests,
        }
        if real_pace:
            Control(emu["base_url"], emu["admin_key"]).configure(rate_limit_per_minute=int(BUDGET))
            counter = _Count429()
            logging.getLogger("ashby_connector").addHandler(counter)
            logging.getLogger("ashby_connector").setLevel(logging.INFO)
            started = time.monotonic()
            plan_f, f, _, _ = first_sync(emu, None, rate=BUDGET)
            wall = time.monotonic() - started
            out |= {
                "f_wall_s": wall,
                "f_sync_s": f.duration,
                "f_estimate_s": (plan_f.total_minutes or 0) * 60,
                "f_429": counter.count,
                "f_ok": f.ok,
            }
    return out


def _pct(estimate: float, actual: float) -> str:
    return f"{(estimate - actual) / actual:+.1%}" if actual else "n/a"


def table(results: list[dict[str, Any]]) -> str:
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, fmt: Any) -> None:
        rows.append((label, [fmt(r) for r in results]))

    def opt(key: str, fmt: Any) -> Any:
        return lambda r: fmt(r) if key in r else "not run"

    row("candidates", lambda r: f"{r['candidates']:,}")
    row("(a) floor: requests (records)", lambda r: f"{r['a_requests']:,} ({r['a_records']:,})")
    row("(b) default policies: requests", lambda r: f"{r['b_requests']:,}")
    row("(b) ratio to floor (goal <= 1.2x)", lambda r: f"{r['b_ratio']:.3f}x")
    row(
        "(b) excess over floor, by stream",
        lambda r: ", ".join(f"{k} {v:+,}" for k, v in r["b_excess_by_stream"].items()) or "none",
    )
    row(
        "(b) usable after, min at 1,000/min",
        lambda r: f"{r['b_usable_min']:.1f} ({r['b_usable_requests']:,} req)",
    )
    row("(b) complete, min at 1,000/min", lambda r: f"{r['b_complete_min']:.1f}")
    row("(c) all eager: requests", opt("c_requests", lambda r: f"{r['c_requests']:,}"))
    row("(c) parents asked (all child lists)", opt("c_requests", lambda r: f"{r['c_parents_asked']:,}"))
    row("(c) excess over floor+1+parents (goal ~0)", opt("c_requests", lambda r: f"{r['c_excess']:+,}"))
    row("(c) complete, min at 1,000/min", opt("c_requests", lambda r: f"{r['c_requests'] / BUDGET:.1f}"))
    row(
        "(d) plan vs (b) (goal within 10%)",
        lambda r: f"{r['d_plan_b']:,} ({_pct(r['d_plan_b'], r['b_requests'])})",
    )
    row(
        "(d) plan vs (c) (goal within 10%)",
        opt("c_requests", lambda r: f"{r['d_plan_c']:,} ({_pct(r['d_plan_c'], r['c_requests'])})"),
    )
    row("(d) requests spent counting (first run)", lambda r: f"{r['d_plan_count_requests']:,}")
    row("(e) bare fetch CPU ms/page", lambda r: f"{r['a_cpu_ms_per_page']:.2f}")
    row("(e) sync CPU ms/page stored", lambda r: f"{r['b_cpu_ms_per_page']:.2f}")
    row("(e) ratio (goal <= 3x)", lambda r: f"{r['b_cpu_ms_per_page'] / r['a_cpu_ms_per_page']:.2f}x")
    row(
        "(f) real pace: wall s vs estimate",
        lambda r: (
            f"{r['f_sync_s']:.1f} vs {r['f_estimate_s']:.1f} ({_pct(r['f_estimate_s'], r['f_sync_s'])})"
            if "f_wall_s" in r
            else "-"
        ),
    )
    row("(f) 429s (goal 0)", lambda r: str(r["f_429"]) if "f_429" in r else "-")
    row("all runs finished", lambda r: str(r["b_ok"] and r.get("c_ok", True) and r.get("f_ok", True)))
    width = max(len(label) for label, _ in rows)
    cols = [max(len(v[i]) for _, v in rows) for i in range(len(results))]
    lines = [
        f"{label:<{width}}  " + "  ".join(f"{v:>{cols[i]}}" for i, v in enumerate(values))
        for label, values in rows
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="2000,100000", help="comma-separated candidate counts")
    parser.add_argument("--json", action="store_true", help="also print the raw figures as JSON")
    parser.add_argument(
        "--no-eager-above",
        type=int,
        default=None,
        help="skip (c) above this many candidates (every child list eagerly: hours at 100,000)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    results = []
    for n in sizes:
        started = time.monotonic()
        eager = args.no_eager_above is None or n <= args.no_eager_above
        results.append(measure(n, real_pace=(n == 2000), eager=eager))
        print(f"measured {n:,} candidates in {time.monotonic() - started:.0f}s", file=sys.stderr, flush=True)
        print(table(results[-1:]), file=sys.stderr, flush=True)  # each size as soon as it is known
    print(table(results))
    if args.json:
        print(json.dumps(results, default=lambda v: round(v, 4) if isinstance(v, float) else v))


if __name__ == "__main__":
    main()
