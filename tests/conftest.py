"""Shared fixtures. Each part keeps its fixtures in a tests/fixtures_<part>.py plugin listed here."""

from __future__ import annotations

import os

# Schedules a few seconds apart keep the scheduler's tests short; a deployment's tenants cannot go
# below a minute (core.freshness.schedules.MIN_INCREMENTAL_MINUTES). Set before any import reads it,
# and inherited by the processes the tests start.
os.environ.setdefault("ASHBY_CONNECTOR_MIN_INCREMENTAL_MINUTES", "0.05")

pytest_plugins = [
    "tests.fixtures_emulator",
    "tests.fixtures_postgres",
    "tests.fixtures_store",
    "tests.xdist_schedule",
]
