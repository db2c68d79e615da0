"""Finding stored records by a value inside their JSON, through an expression index.

The store filters top-level fields only (and without an index); a candidateMerge needs the
applications of one candidate, ``raw.candidate.id``, among possibly millions. The webhooks branch
adds an expression index on the store's application table (migration ``webhooks_0002``), and the
query here uses the very same expression, so both SQLite and PostgreSQL answer from the index.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from ashby_connector.store import record_table

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# (kind, dotted path) -> index name: what webhooks_0002 creates (the query works without it too).
INDEXED = {("application", "candidate.id"): "ix_ashby_application_candidate_id"}


def json_path_sql(dialect: str, path: str) -> str:
    """The SQL text of ``raw``'s value at ``path`` as text, written as the index writes it."""
    parts = path.split(".")
    if not all(_NAME.match(p) for p in parts):  # embedded as a literal: names only
        raise ValueError(f"unsupported JSON path {path!r}")
    if dialect == "postgresql":
        return "(raw #>> '{" + ",".join(parts) + "}')"
    if dialect == "sqlite":
        return "json_extract(raw, '$." + ".".join(parts) + "')"
    raise NotImplementedError(dialect)  # pragma: no cover - only the two supported databases


def create_index_sql(dialect: str, kind: str, path: str) -> str:
    table = record_table(kind).name
    name = INDEXED[(kind, path)]
    return f"CREATE INDEX IF NOT EXISTS {name} ON {table} (connection_id, {json_path_sql(dialect, path)})"


def find_by_json(
    engine: sa.Engine, connection_id: str, kind: str, path: str, value: str
) -> list[dict[str, Any]]:
    """Live records of ``kind`` whose JSON value at ``path`` is ``value``, in id order."""
    table = record_table(kind)
    expression = sa.literal_column(json_path_sql(engine.dialect.name, path), sa.String)
    # No ORDER BY: SQLite would rather walk the primary key in id order than use the index and sort.
    query = sa.select(table.c.id, table.c.raw).where(
        table.c.connection_id == connection_id, expression == value, table.c.deleted_at.is_(None)
    )
    with engine.connect() as conn:
        rows = sorted(conn.execute(query).all(), key=lambda row: str(row.id))
    return [dict(row.raw) for row in rows]
