"""Shared fixtures. Part-specific fixtures live in tests/fixtures_*.py and are loaded here."""

from __future__ import annotations

pytest_plugins: list[str] = []
