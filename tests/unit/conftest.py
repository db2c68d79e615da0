"""tests/unit starts nothing: a test that opens a socket, starts a process, opens a store or reaches a
database server fails here (tests/tier_guard.py says what each tier may start)."""

from __future__ import annotations

from tests.tier_guard import UNIT, tier_hooks

pytest_runtest_setup, pytest_runtest_call = tier_hooks(UNIT)
