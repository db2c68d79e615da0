"""Dialect helpers: one ``INSERT ... ON CONFLICT DO NOTHING`` that works on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

# Opens one write transaction. The store's ``Store.transaction`` serialises SQLite writers on a lock
# in-process (waking at once) instead of leaving them to SQLite's sleeping busy handler.
Begin = Callable[[], AbstractContextManager[sa.Connection]]


def insert_ignore(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> int:
    """Insert ``rows``, skipping any that hit a unique key; returns how many were inserted."""
    if not rows:
        return 0
    stmt: Any
    if conn.dialect.name == "postgresql":
        stmt = postgresql.insert(table).on_conflict_do_nothing()
    elif conn.dialect.name == "sqlite":
        stmt = sqlite.insert(table).on_conflict_do_nothing()
    else:  # pragma: no cover - only the two supported databases
        raise NotImplementedError(conn.dialect.name)
    # Count what RETURNING gives back: rowcount is unreliable here (psycopg reports -1).
    stmt = stmt.returning(*table.primary_key.columns)
    result = conn.execute(stmt, rows[0] if len(rows) == 1 else rows)
    return len(result.fetchall())
