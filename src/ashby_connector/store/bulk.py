"""The hot path of a sync: page-sized reads and writes as plain driver SQL.

SQLAlchemy's per-row type processing (JSON and DateTime bind processors) costs as much as the
network for a 100-record page, so pages are written with ``exec_driver_sql`` and values prepared
here: the JSON text is the canonical form already made for the hash, timestamps are in the same
format SQLAlchemy's SQLite ``DateTime`` reads back. Everything else in the store stays on Core.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ashby_connector.store.records import TS_FIELDS as _TS_FIELDS
from ashby_connector.store.records import updated_at

_SELECT = "SELECT id, raw_hash, deleted_at IS NOT NULL FROM {table} WHERE connection_id = "
_COLUMNS = "connection_id, id, parent_id, raw, raw_hash, updated_at, synced_at, changed_at, deleted_at"
_UPDATE = (
    "parent_id = excluded.parent_id, raw = excluded.raw, raw_hash = excluded.raw_hash, "
    "updated_at = excluded.updated_at, synced_at = excluded.synced_at, changed_at = excluded.changed_at, "
    "deleted_at = NULL"
)


def sqlite_ts(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite DateTime storage format (UTC, no offset)."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def ts(dialect: str, value: datetime | None) -> Any:
    return sqlite_ts(value) if dialect == "sqlite" else value


_ISO_UTC = re.compile(
    r"(\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))T((?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d)"
    r"(?:\.(\d{1,6}))?Z"
)


def record_ts(dialect: str, record: dict[str, Any]) -> Any:
    """``ts(dialect, updated_at(record))``; on SQLite Ashby's usual ``2024-05-01T12:34:56.789Z`` is
    rewritten as text without building a datetime (that cost 7-10 % of storing a page)."""
    if dialect == "sqlite":
        for field in _TS_FIELDS:
            value = record.get(field)
            if isinstance(value, str):
                match = _ISO_UTC.fullmatch(value)
                if match is not None and match[1][8:] <= "28":  # later days: let datetime check
                    return f"{match[1]} {match[2]}.{(match[3] or ''):0<6}"
                break
    return ts(dialect, updated_at(record))


def existing(
    conn: sa.Connection, dialect: str, table: str, connection_id: str, ids: Sequence[str]
) -> dict[str, tuple[str, bool]]:
    """id -> (raw_hash, is_deleted) for the ids already stored."""
    if dialect == "sqlite":
        marks = ", ".join("?" for _ in ids)
        sql = _SELECT.format(table=table) + f"? AND id IN ({marks})"
        params: Any = (connection_id, *ids)
    else:
        sql = _SELECT.format(table=table) + "%s AND id = ANY(%s)"
        params = (connection_id, list(ids))
    return {row[0]: (row[1], bool(row[2])) for row in conn.exec_driver_sql(sql, params)}


def upsert(conn: sa.Connection, dialect: str, table: str, rows: list[tuple[Any, ...]]) -> None:
    """Rows: (connection_id, id, parent_id, raw_json_text, raw_hash, updated_at, synced_at, changed_at)."""
    if dialect == "sqlite":
        values = "?, ?, ?, ?, ?, ?, ?, ?, NULL"
    else:
        values = "%s, %s, %s, %s::jsonb, %s, %s, %s, %s, NULL"
    sql = (
        f"INSERT INTO {table} ({_COLUMNS}) VALUES ({values}) "
        f"ON CONFLICT (connection_id, id) DO UPDATE SET {_UPDATE}"
    )
    conn.exec_driver_sql(sql, rows)


def touch(
    conn: sa.Connection, dialect: str, table: str, connection_id: str, ids: Sequence[str], at: Any
) -> None:
    """Mark unchanged records as seen in this run (reconcile compares synced_at)."""
    if dialect == "sqlite":
        marks = ", ".join("?" for _ in ids)
        sql = f"UPDATE {table} SET synced_at = ? WHERE connection_id = ? AND id IN ({marks})"
        params: Any = (at, connection_id, *ids)
    else:
        sql = f"UPDATE {table} SET synced_at = %s WHERE connection_id = %s AND id = ANY(%s)"
        params = (at, connection_id, list(ids))
    conn.exec_driver_sql(sql, params)


def advance(
    conn: sa.Connection,
    dialect: str,
    connection_id: str,
    stream: str,
    cursor: str | None,
    fetched: int,
    changed: int,
) -> bool:
    """Move a running stream's checkpoint past one page; False when the stream has no state row."""
    mark = "?" if dialect == "sqlite" else "%s"
    sql = (
        f"UPDATE sync_state SET cursor = {mark}, run_fetched = run_fetched + {mark}, "
        f"run_changed = run_changed + {mark}, run_pages = run_pages + 1 "
        f"WHERE connection_id = {mark} AND stream = {mark}"
    )
    return bool(conn.exec_driver_sql(sql, (cursor, fetched, changed, connection_id, stream)).rowcount)
