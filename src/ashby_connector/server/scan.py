"""One id-ordered page of a record table with the list filters SQL can narrow by.

The store's ``list`` filters on equality of top-level fields only; ``createdAfter`` and ``q`` would
otherwise convert every record of the connection to its unified form first. Here they narrow the
scan in SQL on the store's table, always to a superset of the answer: the server still checks
every record's unified values, so the semantics are the ones of the Python check.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ashby_connector.store import StoredRecord, record_table
from ashby_connector.store.records import as_utc
from ashby_connector.webhooks.lookup import json_path_sql


@dataclass(frozen=True)
class Narrowing:
    """What SQL may use: raw equality filters, a raw createdAt field, a search needle."""

    raw_filters: dict[str, Any]
    # (raw dotted paths, value): a record whose JSON holds the value at any of the paths.
    path_filters: tuple[tuple[tuple[str, ...], str], ...] = ()
    updated_after: datetime | None = None
    created_field: str | None = None  # top-level raw field the unified createdAt comes from
    created_after: datetime | None = None
    needle: str | None = None  # only set when a plain substring of the raw JSON must contain it


def searchable_needle(q: str | None) -> str | None:
    """``q`` when the raw JSON text must contain it (casefolded) for the record to match.

    Only printable ASCII without whitespace, quotes or backslashes: such text appears verbatim in
    the stored JSON of any value that contains it (a space could join two raw fields; JSON escapes
    quotes and backslashes), and lowercasing equals casefolding for it.
    """
    if not q or not all(33 <= ord(c) <= 126 and c not in '"\\' for c in q):
        return None
    return q.lower()


def page(
    engine: sa.Engine,
    connection_id: str,
    kind: str,
    narrowing: Narrowing,
    after_id: str | None,
    limit: int,
) -> tuple[list[StoredRecord], str | None]:
    """Up to ``limit`` live records after ``after_id``; the id to continue after, or None at the end."""
    table = record_table(kind)
    query = sa.select(table).where(table.c.connection_id == connection_id, table.c.deleted_at.is_(None))
    if narrowing.updated_after is not None:
        query = query.where(table.c.updated_at > narrowing.updated_after)
    for name, value in narrowing.raw_filters.items():
        if isinstance(value, bool):
            query = query.where(table.c.raw[name].as_boolean() == value)
        else:
            query = query.where(table.c.raw[name].as_string() == str(value))
    for paths, wanted in narrowing.path_filters:
        query = query.where(sa.or_(*(_at(engine, path) == wanted for path in paths)))
    if narrowing.created_field and narrowing.created_after is not None:
        # ISO-8601 text sorts by date; a day's margin covers any zone offset. Records without a
        # string there fail both this and the exact check.
        since = (narrowing.created_after - timedelta(days=1)).date().isoformat()
        query = query.where(table.c.raw[narrowing.created_field].as_string() >= since)
    if narrowing.needle:
        text = sa.cast(table.c.raw, sa.Text)
        query = query.where(
            sa.or_(sa.func.lower(text).contains(narrowing.needle, autoescape=True), _non_ascii(engine, text))
        )
    if after_id is not None:
        query = query.where(table.c.id > after_id)
    query = query.order_by(table.c.id).limit(limit + 1)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    records = [_stored(r) for r in rows[:limit]]
    return records, (records[-1].id if len(rows) > limit and records else None)


def _at(engine: sa.Engine, path: str) -> Any:
    """The JSON text at ``path``, written as the webhooks part's expression index writes it
    (``application`` by ``candidate.id``), so that index serves these filters too."""
    return sa.literal_column(json_path_sql(engine.dialect.name, path), sa.String)


def _non_ascii(engine: sa.Engine, text: Any) -> Any:
    """Records holding any non-ASCII character go to the exact check (casefolding ``ß`` is ``ss``)."""
    if engine.dialect.name == "sqlite":
        return sa.func.length(text) != sa.func.length(sa.cast(text, sa.LargeBinary))
    return sa.func.char_length(text) != sa.func.octet_length(text)


_FIELDS = tuple(f.name for f in dataclasses.fields(StoredRecord))


def _stored(row: Any) -> StoredRecord:
    """A row as the store's own ``StoredRecord`` (times zone-aware: SQLite hands them back naive)."""
    values: dict[str, Any] = {}
    for name in _FIELDS:
        value = getattr(row, name)
        values[name] = as_utc(value) if isinstance(value, datetime) else value
    return StoredRecord(**values)
