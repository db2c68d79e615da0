"""The soak's short form (``benchmarks/soak.py``): a server and two workers on PostgreSQL under
injected faults, a worker SIGKILLed twice, PostgreSQL restarted once, 1% of the candidates changed
a minute; afterwards every copy equals the emulator's and every change reached the subscriber.

Shorter than the issue's 2 minutes and 10 connections so the suite stays fast: 1 minute, 3
connections, a kill every 25 s (the full form is run by hand; its figures are in docs/server.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_a_short_soak_loses_nothing_and_leaves_nothing_stuck() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import soak

    result = soak.main(
        ["--minutes", "1", "--connections", "3", "--candidates", "60", "--kill-every", "25", "--quiet", "75"]
    )
    for cid, row in result["per_connection"].items():
        assert row["stored"] > 0, cid
        assert (row["lost"], row["extra"], row["duplicated"], row["stale"]) == (0, 0, 0, 0), (cid, row)
    assert result["kills"] >= 2
    assert result["stuck_runs"] == 0, result["runs"]
    assert result["duplicates_after_dedupe"] == 0
    assert result["changes"] > 0 and result["changes_unheard"] == 0
