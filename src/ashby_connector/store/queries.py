"""Every SQL statement over the record tables, and the one insert-or-update of the store.

The hot path of a sync (page-sized reads and writes) is plain driver SQL: SQLAlchemy's per-row type
processing (JSON and DateTime bind processors) costs as much as the network for a 100-record page,
so pages are written with ``exec_driver_sql`` and values prepared here: the JSON text is the
canonical form already made for the hash, timestamps are in the same format SQLAlchemy's SQLite
``DateTime`` reads back. The rest (filtered pages for the server, lookups inside the JSON for
webhooks, deleting a connection's rows) is SQLAlchemy Core.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ashby_connector.store.engine import reading
from ashby_connector.store.records import TS_FIELDS as _TS_FIELDS
from ashby_connector.store.records import StoredRecord, updated_at
from ashby_connector.store.schema import metadata, record_table

# Ids per IN (...) clause: well under SQLite's variable limit.
_IN_CHUNK = 500
_SELECT = "SELECT id, raw_hash, deleted_at IS NOT NULL, updated_at FROM {table} WHERE connection_id = "
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


def _parent_clause(dialect: str, parent_id: str | None) -> tuple[str, tuple[str, ...]]:
    """Linked tables (a row per parent) narrow every statement to one parent's rows."""
    if parent_id is None:
        return "", ()
    return (" AND parent_id = ?" if dialect == "sqlite" else " AND parent_id = %s"), (parent_id,)


def existing(
    conn: sa.Connection,
    dialect: str,
    table: str,
    connection_id: str,
    ids: Sequence[str],
    parent_id: str | None = None,
) -> dict[str, tuple[str, bool, Any]]:
    """id -> (raw_hash, is_deleted, updated_at) for the ids already stored (under ``parent_id``)."""
    extra, extra_params = _parent_clause(dialect, parent_id)
    if dialect == "sqlite":
        marks = ", ".join("?" for _ in ids)
        sql = _SELECT.format(table=table) + f"? AND id IN ({marks})" + extra
        params: Any = (connection_id, *ids, *extra_params)
    else:
        sql = _SELECT.format(table=table) + "%s AND id = ANY(%s)" + extra
        params = (connection_id, list(ids), *extra_params)
    return {row[0]: (row[1], bool(row[2]), row[3]) for row in conn.exec_driver_sql(sql, params)}


def write_records(
    conn: sa.Connection, dialect: str, table: str, rows: list[tuple[Any, ...]], *, linked: bool = False
) -> None:
    """The sync's record upsert, as driver SQL. Rows: (connection_id, id, parent_id,
    raw_json_text, raw_hash, updated_at, synced_at, changed_at). ``linked``: the table's key
    includes the parent (one row per link)."""
    if dialect == "sqlite":
        values = "?, ?, ?, ?, ?, ?, ?, ?, NULL"
    else:
        values = "%s, %s, %s, %s::jsonb, %s, %s, %s, %s, NULL"
    sql = (
        f"INSERT INTO {table} ({_COLUMNS}) VALUES ({values}) "
        f"ON CONFLICT ({'connection_id, id, parent_id' if linked else 'connection_id, id'}) "
        f"DO UPDATE SET {_UPDATE}"
    )
    conn.exec_driver_sql(sql, rows)


def touch(
    conn: sa.Connection,
    dialect: str,
    table: str,
    connection_id: str,
    ids: Sequence[str],
    at: Any,
    parent_id: str | None = None,
) -> None:
    """Mark unchanged records as seen in this run (reconcile compares synced_at)."""
    extra, extra_params = _parent_clause(dialect, parent_id)
    if dialect == "sqlite":
        marks = ", ".join("?" for _ in ids)
        sql = f"UPDATE {table} SET synced_at = ? WHERE connection_id = ? AND id IN ({marks})" + extra
        params: Any = (at, connection_id, *ids, *extra_params)
    else:
        sql = f"UPDATE {table} SET synced_at = %s WHERE connection_id = %s AND id = ANY(%s)" + extra
        params = (at, connection_id, list(ids), *extra_params)
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


# -- insert or update (every table) -------------------------------------------------------------


def upsert(
    conn: sa.Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    update: Sequence[str] = (),
    conflict: Sequence[str] | None = None,
) -> int:
    """Insert ``rows``; on a conflict on ``conflict`` (the primary key when omitted) update the
    ``update`` columns from the new row. Without ``update`` a row hitting any unique key is
    skipped. Returns how many rows were written, counted from RETURNING (psycopg reports -1).
    """
    if not rows:
        return 0
    insert: Any
    if conn.dialect.name == "postgresql":
        insert = postgresql.insert(table)
    elif conn.dialect.name == "sqlite":
        insert = sqlite.insert(table)
    else:  # pragma: no cover - only the two supported databases
        raise NotImplementedError(conn.dialect.name)
    if update:
        keys = list(conflict) if conflict is not None else [c.name for c in table.primary_key.columns]
        stmt = insert.on_conflict_do_update(
            index_elements=keys, set_={name: insert.excluded[name] for name in update}
        )
    else:
        stmt = insert.on_conflict_do_nothing(index_elements=list(conflict) if conflict else None)
    stmt = stmt.returning(*table.primary_key.columns)
    result = conn.execute(stmt, dict(rows[0]) if len(rows) == 1 else [dict(r) for r in rows])
    return len(result.fetchall())


# -- reading records ------------------------------------------------------------------------------


def record_filters(table: sa.Table, raw_filters: Mapping[str, Any]) -> list[Any]:
    """Equality on top-level fields of the raw record (strings compare as text, booleans as such)."""
    out = []
    for name, value in raw_filters.items():
        if isinstance(value, bool):
            out.append(table.c.raw[name].as_boolean() == value)
        else:
            out.append(table.c.raw[name].as_string() == str(value))
    return out


def stored(row: Any) -> StoredRecord:
    """A row as a ``StoredRecord`` (times zone-aware: SQLite hands them back naive). On every read
    path: spelled out rather than looping over ``dataclasses.fields`` (a page of 100 spent more
    time there than in its query)."""
    return StoredRecord(
        id=row.id,
        parent_id=row.parent_id,
        raw=row.raw,
        updated_at=row.updated_at,
        synced_at=row.synced_at,
        changed_at=row.changed_at,
        deleted_at=row.deleted_at,
    )


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# (kind, dotted path) -> index name: the expression indexes migration webhooks_0002 creates (the
# queries work without them too). candidateMerge needs the applications of one candidate,
# ``raw.candidate.id``, among possibly millions; the server's candidateId filter uses it too.
# Migration agents_0001 adds those ``store.insights`` looks records up by.
JSON_INDEXES = {
    ("application", "candidate.id"): "ix_ashby_application_candidate_id",
    ("application", "job.id"): "ix_ashby_application_job_id",
    ("interviewSchedule", "applicationId"): "ix_ashby_interview_schedule_application_id",
    ("offer", "applicationId"): "ix_ashby_offer_application_id",
    ("applicationFeedback", "applicationId"): "ix_ashby_application_feedback_application_id",
    ("interviewEvent", "startTime"): "ix_ashby_interview_event_start_time",
}


def json_path_sql(dialect: str, path: str) -> str:
    """The SQL text of ``raw``'s value at ``path`` as text, written exactly as the index writes it."""
    parts = path.split(".")
    if not all(_NAME.match(p) for p in parts):  # embedded as a literal: names only
        raise ValueError(f"unsupported JSON path {path!r}")
    if dialect == "postgresql":
        return "(raw #>> '{" + ",".join(parts) + "}')"
    if dialect == "sqlite":
        return "json_extract(raw, '$." + ".".join(parts) + "')"
    raise NotImplementedError(dialect)  # pragma: no cover - only the two supported databases


def _at(dialect: str, path: str) -> Any:
    return sa.literal_column(json_path_sql(dialect, path), sa.String)


def find_by_json(
    engine: sa.Engine, connection_id: str, kind: str, path: str, value: str
) -> list[dict[str, Any]]:
    """Live records of ``kind`` whose JSON value at ``path`` is ``value``, in id order."""
    table = record_table(kind)
    # No ORDER BY: SQLite would rather walk the primary key in id order than use the index and sort.
    query = sa.select(table.c.id, table.c.raw).where(
        table.c.connection_id == connection_id,
        _at(engine.dialect.name, path) == value,
        table.c.deleted_at.is_(None),
    )
    with engine.connect() as conn:
        rows = sorted(conn.execute(query).all(), key=lambda row: str(row.id))
    return [dict(row.raw) for row in rows]


@dataclass(frozen=True)
class Narrowing:
    """What SQL may use to narrow a page: raw equality filters, a raw createdAt field, a needle.

    Always a superset of the answer: the server still checks every record's unified values.
    """

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


def _narrowed(
    table: sa.Table,
    dialect: str,
    connection_id: str,
    narrowing: Narrowing,
    after_id: str | None,
    limit: int,
    columns: Sequence[Any],
) -> sa.Select[Any]:
    """``columns`` of the live rows ``narrowing`` keeps after ``after_id``, in id order, one more
    than ``limit`` (to tell whether a next page exists)."""
    query = sa.select(*columns).where(table.c.connection_id == connection_id, table.c.deleted_at.is_(None))
    if narrowing.updated_after is not None:
        query = query.where(table.c.updated_at > narrowing.updated_after)
    query = query.where(*record_filters(table, narrowing.raw_filters))
    for paths, wanted in narrowing.path_filters:
        query = query.where(sa.or_(*(_at(dialect, path) == wanted for path in paths)))
    if narrowing.created_field and narrowing.created_after is not None:
        # ISO-8601 text sorts by date; a day's margin covers any zone offset. Records without a
        # string there fail both this and the exact check.
        since = (narrowing.created_after - timedelta(days=1)).date().isoformat()
        query = query.where(table.c.raw[narrowing.created_field].as_string() >= since)
    if narrowing.needle:
        text = sa.cast(table.c.raw, sa.Text)
        query = query.where(
            sa.or_(sa.func.lower(text).contains(narrowing.needle, autoescape=True), _non_ascii(dialect, text))
        )
    if after_id is not None:
        query = query.where(table.c.id > after_id)
    return query.order_by(table.c.id).limit(limit + 1)


def narrowed_page(
    engine: sa.Engine,
    connection_id: str,
    kind: str,
    narrowing: Narrowing,
    after_id: str | None,
    limit: int,
) -> tuple[list[StoredRecord], str | None]:
    """Up to ``limit`` live records after ``after_id``; the id to continue after, or None at the end."""
    table = record_table(kind)
    query = _narrowed(table, engine.dialect.name, connection_id, narrowing, after_id, limit, [table])
    with reading(engine) as conn:
        rows = conn.execute(query).all()
    records = [stored(r) for r in rows[:limit]]
    return records, (records[-1].id if len(rows) > limit and records else None)


# Which version of a record a row holds, without the record: (id, parent id, ``raw_hash``). A plain
# tuple: a page's keys are hashed and compared hundreds of times per request.
RowKey = tuple[str, str | None, str]

# The statements of plain key pages, by (kind, after an id, updated after a time): a page of keys is
# cheap enough that building its SELECT took a third of its time.
_KEY_PAGES: dict[tuple[str, bool, bool], sa.Select[Any]] = {}


def _key_page(kind: str, after: bool, updated: bool) -> sa.Select[Any]:
    found = _KEY_PAGES.get((kind, after, updated))
    if found is None:
        table = record_table(kind)
        columns: list[Any] = [table.c.id, table.c.parent_id, table.c.raw_hash]
        query = sa.select(*columns).where(
            table.c.connection_id == sa.bindparam("connection_id"), table.c.deleted_at.is_(None)
        )
        if updated:
            query = query.where(
                table.c.updated_at > sa.bindparam("updated_after", type_=table.c.updated_at.type)
            )
        if after:
            query = query.where(table.c.id > sa.bindparam("after_id"))
        found = query.order_by(table.c.id).limit(sa.bindparam("limit"))
        _KEY_PAGES[(kind, after, updated)] = found
    return found


# The statement of ``Store.get_record``, by (kind, under one parent): built once, as ``_KEY_PAGES``
# (building it took two thirds of a retrieve's read).
_ONE_RECORD: dict[tuple[str, bool], sa.Select[Any]] = {}


def one_record(kind: str, *, by_parent: bool) -> sa.Select[Any]:
    """A record by ``connection_id`` and ``id`` (and ``parent_id``), its most recently changed link."""
    found = _ONE_RECORD.get((kind, by_parent))
    if found is None:
        table = record_table(kind)
        columns: list[Any] = [table]
        query = sa.select(*columns).where(
            table.c.connection_id == sa.bindparam("connection_id"), table.c.id == sa.bindparam("id")
        )
        if by_parent:
            query = query.where(table.c.parent_id == sa.bindparam("parent_id"))
        found = _ONE_RECORD[(kind, by_parent)] = query.order_by(table.c.changed_at.desc()).limit(1)
    return found


def record_key(engine: sa.Engine, connection_id: str, kind: str, ident: str) -> tuple[RowKey, bool] | None:
    """The key of the record ``Store.get_record`` reads (its most recently changed link) and whether
    it is deleted, without reading the record; None when there is none."""
    mark = "?" if engine.dialect.name == "sqlite" else "%s"
    statement = (
        f"SELECT id, parent_id, raw_hash, deleted_at IS NOT NULL FROM {record_table(kind).name} "
        f"WHERE connection_id = {mark} AND id = {mark} ORDER BY changed_at DESC LIMIT 1"
    )
    with reading(engine) as conn:
        row = conn.exec_driver_sql(statement, (connection_id, ident)).first()
    return ((row[0], row[1], row[2]), bool(row[3])) if row is not None else None


def narrowed_keys(
    engine: sa.Engine,
    connection_id: str,
    kind: str,
    narrowing: Narrowing,
    after_id: str | None,
    limit: int,
) -> tuple[list[RowKey], str | None]:
    """``narrowed_page`` without reading the records: the rows' keys (a tenth of its time for a page
    of 100, which reads and decodes every record and its four times)."""
    dialect = engine.dialect.name
    plain = not (
        narrowing.raw_filters
        or narrowing.path_filters
        or (narrowing.created_field and narrowing.created_after is not None)
        or narrowing.needle
    )
    params: dict[str, Any] = {"connection_id": connection_id, "limit": limit + 1}
    if plain:
        query = _key_page(kind, after_id is not None, narrowing.updated_after is not None)
        if after_id is not None:
            params["after_id"] = after_id
        if narrowing.updated_after is not None:
            params["updated_after"] = narrowing.updated_after
    else:
        table = record_table(kind)
        columns = [table.c.id, table.c.parent_id, table.c.raw_hash]
        query = _narrowed(table, dialect, connection_id, narrowing, after_id, limit, columns)
    with reading(engine) as conn:
        rows = conn.execute(query, params if plain else {}).all()
    keys: list[RowKey] = [(r[0], r[1], r[2]) for r in rows[:limit]]
    return keys, (keys[-1][0] if len(rows) > limit and keys else None)


@dataclass(frozen=True, slots=True)
class HashedRecord:
    """A stored record with the hash of its version; ``raw`` is None when only the hash was read."""

    id: str
    parent_id: str | None
    raw_hash: str
    deleted: bool
    raw: dict[str, Any] | None


def hashed_records(
    engine: sa.Engine, connection_id: str, kind: str, ids: Sequence[str], *, with_raw: bool
) -> list[HashedRecord]:
    """The rows of ``ids`` (deleted ones too), oldest change first (for a linked kind, several per id:
    the last is the one ``Store.get_records`` answers), each with the hash of the version read.

    Driver SQL, like the sync's pages: a page's joined records are read on every plain list, and
    SQLAlchemy's statement handling cost three times the query itself."""
    dialect = engine.dialect.name
    mark = "?" if dialect == "sqlite" else "%s"
    raw_column = ", raw" if dialect == "sqlite" else ", raw::text"
    found: list[HashedRecord] = []
    with reading(engine) as conn:
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = tuple(ids[start : start + _IN_CHUNK])
            statement = (
                f"SELECT id, parent_id, raw_hash, deleted_at IS NOT NULL{raw_column if with_raw else ''} "
                f"FROM {record_table(kind).name} WHERE connection_id = {mark} "
                f"AND id IN ({', '.join([mark] * len(chunk))}) ORDER BY changed_at"
            )
            for row in conn.exec_driver_sql(statement, (connection_id, *chunk)).all():
                raw = orjson.loads(row[4]) if with_raw else None
                found.append(HashedRecord(row[0], row[1], row[2], bool(row[3]), raw))
    return found


def _non_ascii(dialect: str, text: Any) -> Any:
    """Records holding any non-ASCII character go to the exact check (casefolding ``ß`` is ``ss``)."""
    if dialect == "sqlite":
        return sa.func.length(text) != sa.func.length(sa.cast(text, sa.LargeBinary))
    return sa.func.char_length(text) != sa.func.octet_length(text)


# -- deleting a connection ------------------------------------------------------------------------


def connection_tables() -> list[sa.Table]:
    """Every table holding rows of a connection (a ``connection_id`` column), records included."""
    return [t for t in metadata.sorted_tables if "connection_id" in t.c]


def delete_connection_rows(conn: sa.Connection, connection_id: str) -> dict[str, int]:
    """Delete every row of the connection in every table; returns rows deleted per table.

    The connection row goes first: on PostgreSQL that waits for any write transaction holding it
    (``connection_guard``) and makes every later one fail, so no write can land after this commits.
    Rows reached through a subscription of the connection (its outbox and delivery log) go too.
    """
    from ashby_connector.store.schema_tenancy import connection
    from ashby_connector.store.schema_webhooks import (
        webhook_delivery,
        webhook_outbox,
        webhook_subscription,
    )

    deleted: dict[str, int] = {}

    def count(table: sa.Table, n: int) -> None:
        if n:
            deleted[table.name] = deleted.get(table.name, 0) + n

    count(connection, conn.execute(sa.delete(connection).where(connection.c.id == connection_id)).rowcount)
    subs = sa.select(webhook_subscription.c.id).where(webhook_subscription.c.connection_id == connection_id)
    for table in (webhook_outbox, webhook_delivery):
        count(table, conn.execute(sa.delete(table).where(table.c.subscription_id.in_(subs))).rowcount)
    for table in connection_tables():
        count(table, conn.execute(sa.delete(table).where(table.c.connection_id == connection_id)).rowcount)
    return deleted


def connection_guard(conn: sa.Connection, connection_id: str) -> None:
    """Refuse a write for a connection that does not exist (any more), inside the write's own
    transaction: a sync still running when its connection is deleted writes nothing after that.

    On PostgreSQL the row is locked FOR SHARE until the write commits, so a delete waits for the
    write and every write after the delete sees the row gone.
    """
    from ashby_connector.store.errors import ConnectionGoneError
    from ashby_connector.store.schema_tenancy import connection

    query = sa.select(connection.c.id).where(connection.c.id == connection_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    if conn.execute(query).first() is None:
        raise ConnectionGoneError(f"connection {connection_id} no longer exists")


def connection_row_counts(engine: sa.Engine, connection_id: str) -> dict[str, int]:
    """Rows of the connection per table (non-zero only): what a delete must leave at nothing."""
    from ashby_connector.store.schema_tenancy import connection

    out: dict[str, int] = {}
    with engine.connect() as conn:
        for table in [*connection_tables(), connection]:
            column = table.c.id if table is connection else table.c.connection_id
            query = sa.select(sa.func.count()).select_from(table).where(column == connection_id)
            n = int(conn.execute(query).scalar_one())
            if n:
                out[table.name] = n
    return out


def earliest_due(engine: sa.Engine, table: sa.Table, statuses: Sequence[str] = ("pending",)) -> float | None:
    """The earliest ``next_attempt_at`` of a queue's rows in ``statuses`` (inbox, outbox, reports):
    when its loop has work again; None when it has none."""
    query = sa.select(sa.func.min(table.c.next_attempt_at)).where(table.c.status.in_(statuses))
    with engine.connect() as conn:
        at = conn.execute(query).scalar()
    return None if at is None else float(at)
