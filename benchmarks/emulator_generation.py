"""Seconds to generate the emulated organisation (no HTTP), best of a few runs.

    .venv/bin/python benchmarks/emulator_generation.py --candidates 20000 --repeat 3

Generation is the emulator's start-up cost (every test and benchmark that starts one pays it); a
change to the generator must not make it more than 10% slower at 20,000 candidates.
"""

from __future__ import annotations

import argparse
import time

from ashby_connector.emulator.config import EmulatorConfig
from ashby_connector.emulator.organisation import Emulator


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--candidates", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        emulator = Emulator(EmulatorConfig(seed=args.seed, candidates=args.candidates))
        runs.append(time.perf_counter() - started)
        records = sum(len(store) for store in emulator.state.kinds.values())
        del emulator
    print(
        f"generated {args.candidates:,} candidates ({records:,} records): "
        f"best {min(runs):.2f} s, runs {', '.join(f'{r:.2f}' for r in runs)}"
    )


if __name__ == "__main__":
    main()
