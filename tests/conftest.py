"""Shared fixtures. Each part keeps its fixtures in a tests/fixtures_<part>.py plugin listed here."""

from __future__ import annotations

pytest_plugins = [
    "tests.fixtures_emulator",
    "tests.fixtures_postgres",
]
