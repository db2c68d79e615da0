"""Print, per list and info operation, the share of spec-defined response fields the emulated
organisation ever fills (``ashby_connector.emulator.generation.coverage``).

    .venv/bin/python scripts/emulator_field_coverage.py [--candidates 500] [--missing]
"""

from __future__ import annotations

import argparse

from ashby_connector.emulator import run_emulator
from ashby_connector.emulator.generation.coverage import NOT_FILLED, measure, overall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--missing", action="store_true", help="list the fields never filled")
    args = parser.parse_args()
    with run_emulator(seed=args.seed, candidates=args.candidates, rate_limit_per_minute=None) as emu:
        coverages = measure(emu.base_url, emu.api_key)
    print(f"{'operation':42} {'records':>7} {'fields':>6} {'filled':>6} {'share':>6}")
    for c in sorted(coverages, key=lambda c: c.share):
        filled = len(c.counted & c.filled)
        print(f"{c.operation:42} {c.records:7} {len(c.counted):6} {filled:6} {c.share:6.1%}")
        if args.missing and c.missing:
            print("    never filled: " + ", ".join(c.missing))
    print(f"overall: {overall(coverages):.1%} over {len(coverages)} operations")
    if NOT_FILLED:
        print("left empty on purpose:")
        for (op, path), why in sorted(NOT_FILLED.items()):
            print(f"  {op} {path}: {why}")


if __name__ == "__main__":
    main()
