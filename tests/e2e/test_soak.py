"""The soak's short form (``benchmarks/soak.py``): a server and two workers on PostgreSQL under
injected faults, a worker SIGKILLed twice, PostgreSQL restarted once, 1% of the candidates changed
a minute; afterwards every copy equals the emulator's and every change reached the subscriber.

The short form: 2 minutes, 10 connections, a worker killed every 30 s; the quiet period ends as
soon as everything has settled (the full form is run by hand; its figures are in
docs/development.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_a_short_soak_loses_nothing_and_leaves_nothing_stuck() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import soak

    short_form = ["--minutes", "2", "--connections", "10", "--candidates", "60", "--kill-every", "30"]
    result = soak.main([*short_form, "--quiet", "180"])
    for cid, row in result["per_connection"].items():
        assert row["stored"] > 0, cid
        assert (row["lost"], row["extra"], row["duplicated"], row["stale"]) == (0, 0, 0, 0), (cid, row)
    assert len(result["per_connection"]) == 10
    assert result["kills"] >= 3
    assert result["settled"], result
    assert result["stuck_runs"] == 0, result["runs"]
    assert result["duplicates_after_dedupe"] == 0
    assert result["changes"] > 0 and result["changes_unheard"] == 0
