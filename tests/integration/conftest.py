"""tests/integration uses the store and in-process apps: a test that starts a server on a socket or a
subprocess fails here (tests/tier_guard.py says what each tier may start)."""

from __future__ import annotations

from tests.tier_guard import INTEGRATION, tier_hooks

pytest_runtest_setup, pytest_runtest_call = tier_hooks(INTEGRATION)
