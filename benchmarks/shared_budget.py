"""The PostgreSQL rate budget under contention: what it hands out, and what waiting for it costs.

    .venv/bin/python benchmarks/shared_budget.py [--seconds 10] [--threads 8]

On a private PostgreSQL, three budget objects on one key's row stand for three processes (as in
``store.shared_budget``, each with its own local state): two "workers" with --threads sync threads
each taking background tokens (a request then takes 30 ms), and a "server" whose one thread takes
an interactive token every 200 ms (the proxy's pace in benchmarks/freshness.py (c)). Printed side
by side: tokens taken as a share of what the row took in (the refill at 97% of the budget plus the
one-second burst it holds at the start), database visits per token (the price of waiting: every
visit is a ``SELECT ... FOR UPDATE`` transaction), calls of ``try_take`` and this process's CPU
time per token, and how many interactive takes were served at once. Goal: every token the row
takes in is handed out (but the quarter of the burst background leaves to interactive calls), at
a few visits per token.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from sync_throughput import private_postgres  # noqa: E402

from ashby_connector.client import _rate  # noqa: E402
from ashby_connector.store import Store, shared_budget  # noqa: E402

PER_MINUTE = 1000
REQUEST_SECONDS = 0.03
PROXY_EVERY = 0.2


class Counted:
    """Counts database visits and ``try_take`` calls of every budget object."""

    def __init__(self) -> None:
        self.visits = 0
        self.calls = 0
        self.lock = threading.Lock()
        cls = shared_budget.SharedRateBudget
        visit, take = cls._take_from_database, cls.try_take

        def counted_visit(budget: Any, *args: Any) -> Any:
            with self.lock:
                self.visits += 1
            return visit(budget, *args)

        def counted_take(budget: Any, *args: Any) -> float:
            with self.lock:
                self.calls += 1
            return take(budget, *args)

        setattr(cls, "_take_from_database", counted_visit)  # noqa: B010
        setattr(cls, "try_take", counted_take)  # noqa: B010


def contend(db: str, seconds: float, threads: int, counted: Counted) -> dict[str, Any]:
    with Store.open(db) as store:
        workers = [shared_budget.SharedRateBudget(store.engine, "bench", PER_MINUTE) for _ in range(2)]
        server = shared_budget.SharedRateBudget(store.engine, "bench", PER_MINUTE)
        capacity = server.capacity
        time.sleep(capacity / (PER_MINUTE / 60 * _rate.HEADROOM) + 0.1)  # the row fills its burst
        counted.visits = counted.calls = 0
        taken = {"background": 0, "interactive": 0}
        at_once: list[bool] = []
        lock = threading.Lock()
        started, cpu = time.monotonic(), time.process_time()
        stop = started + seconds

        def sync_pages(budget: shared_budget.SharedRateBudget) -> None:
            while time.monotonic() < stop:
                wait = budget.try_take("background")
                if wait == 0:
                    with lock:
                        taken["background"] += 1
                    time.sleep(REQUEST_SECONDS)
                else:
                    time.sleep(wait)

        def proxy() -> None:
            while time.monotonic() < stop:
                first = True
                while (wait := server.try_take("interactive")) > 0:
                    first = False
                    time.sleep(wait)
                with lock:
                    taken["interactive"] += 1
                    at_once.append(first)
                time.sleep(PROXY_EVERY)

        pool = [threading.Thread(target=sync_pages, args=(w,)) for w in workers for _ in range(threads)]
        pool.append(threading.Thread(target=proxy))
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        elapsed = time.monotonic() - started
        cpu = time.process_time() - cpu
    came_in = capacity + PER_MINUTE / 60 * _rate.HEADROOM * elapsed
    total = sum(taken.values())
    return {
        "taken": taken,
        "share_of_intake": total / came_in,
        "visits_per_token": counted.visits / total,
        "calls_per_token": counted.calls / total,
        "cpu_ms_per_token": cpu * 1000 / total,
        "interactive_at_once": sum(at_once) / max(1, len(at_once)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=8, help="background threads per worker")
    args = parser.parse_args()
    counted = Counted()
    with private_postgres() as db:
        r = contend(db, args.seconds, args.threads, counted)
    print(
        f"2 workers x {args.threads} threads + 1 proxy thread, {args.seconds:g} s, {PER_MINUTE}/min: "
        f"{r['taken']['background']} background + {r['taken']['interactive']} interactive tokens = "
        f"{r['share_of_intake']:.1%} of what the row took in; {r['visits_per_token']:.1f} database visits "
        f"and {r['calls_per_token']:.0f} try_take calls per token, {r['cpu_ms_per_token']:.1f} ms of this "
        f"process's CPU per token (the database server's not counted); interactive served at once "
        f"{r['interactive_at_once']:.0%}"
    )


if __name__ == "__main__":
    main()
