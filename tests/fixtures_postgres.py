"""PostgreSQL fixtures (owned by the store part)."""

from __future__ import annotations
