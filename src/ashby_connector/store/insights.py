"""Queries behind the questions people and agents ask of a local copy: who matches a name, what
happened to one candidate, how a job's pipeline looks, which applications stall, what is coming up.

Each answers from the record tables with a few indexed statements (``agents_0001`` indexes the
JSON paths they look up), so a question over a copy of 20,000 candidates reads only the rows it
needs. The records come back raw, as Ashby sent them; the core shapes the answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa

from ashby_connector.store.queries import json_path_sql
from ashby_connector.store.schema import child_fetches, record_table, sync_state

# SQLite caps the parameters of one statement; lists of ids are looked up in chunks of this size.
_CHUNK = 500


def _raw(table: sa.Table) -> Any:
    """The record's JSON as the driver hands it over: decoded here with orjson, several times
    faster than the JSON type's own decoding (PostgreSQL's driver hands JSONB over decoded)."""
    return sa.type_coerce(table.c.raw, sa.Text).label("raw")


def _load(value: Any) -> dict[str, Any]:
    loaded = value if isinstance(value, dict) else orjson.loads(value)
    return loaded if isinstance(loaded, dict) else {}


def _at(engine: sa.Engine, path: str) -> Any:
    return sa.literal_column(json_path_sql(engine.dialect.name, path), sa.String)


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def records_at(
    engine: sa.Engine, connection_id: str, kind: str, path: str, values: Sequence[str]
) -> list[dict[str, Any]]:
    """Live records of ``kind`` whose JSON value at ``path`` is one of ``values`` (an indexed path:
    applications of a job, offers of applications)."""
    table = record_table(kind)
    found: list[dict[str, Any]] = []
    wanted = sorted(set(values))
    with engine.connect() as conn:
        for chunk in _chunks(wanted):
            query = sa.select(_raw(table)).where(
                table.c.connection_id == connection_id,
                _at(engine, path).in_(chunk),
                table.c.deleted_at.is_(None),
            )
            found.extend(_load(raw) for raw in conn.execute(query).scalars())
    return found


def records_by_id(
    engine: sa.Engine, connection_id: str, kind: str, ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Live records of ``kind`` with these ids, by id (ids not stored are absent)."""
    table = record_table(kind)
    found: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        for chunk in _chunks(sorted(set(ids))):
            query = sa.select(table.c.id, _raw(table)).where(
                table.c.connection_id == connection_id,
                table.c.id.in_(chunk),
                table.c.deleted_at.is_(None),
            )
            found.update((row.id, _load(row.raw)) for row in conn.execute(query))
    return found


def children_of(
    engine: sa.Engine, connection_id: str, kind: str, parent_ids: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """Live child records of ``kind`` (a child list) per parent id; parents without any are absent."""
    table = record_table(kind)
    out: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for chunk in _chunks(sorted(set(parent_ids))):
            query = sa.select(table.c.parent_id, _raw(table)).where(
                table.c.connection_id == connection_id,
                table.c.parent_id.in_(chunk),
                table.c.deleted_at.is_(None),
            )
            for row in conn.execute(query):
                out.setdefault(str(row.parent_id), []).append(_load(row.raw))
    return out


def fetched_parents(
    engine: sa.Engine, connection_id: str, stream: str, parent_ids: Sequence[str]
) -> set[str]:
    """Which of these parents had their ``stream`` children listed at least once."""
    found: set[str] = set()
    with engine.connect() as conn:
        for chunk in _chunks(sorted(set(parent_ids))):
            query = sa.select(child_fetches.c.parent_id).where(
                child_fetches.c.connection_id == connection_id,
                child_fetches.c.stream == stream,
                child_fetches.c.parent_id.in_(chunk),
            )
            found.update(str(p) for p in conn.execute(query).scalars())
    return found


def _contains(engine: sa.Engine, text: Any, needle: str) -> Any:
    """Case-insensitive substring test that needs no ``lower()`` of every row where the database
    offers one (SQLite's LIKE ignores ASCII case; PostgreSQL has ILIKE)."""
    if engine.dialect.name == "postgresql":
        return text.icontains(needle, autoescape=True)
    return text.contains(needle, autoescape=True)


def candidates_matching(
    engine: sa.Engine, connection_id: str, needle: str | None, tag: str | None, limit: int
) -> list[dict[str, Any]]:
    """Candidates whose stored JSON may match (a superset, at most ``limit``): ``needle`` anywhere in
    the record's text, ``tag`` in its tags. The core checks the exact fields."""
    table = record_table("candidate")
    text = sa.cast(table.c.raw, sa.Text)
    query = sa.select(_raw(table)).where(table.c.connection_id == connection_id, table.c.deleted_at.is_(None))
    if needle:
        query = query.where(_contains(engine, text, needle))
    if tag:
        query = query.where(_contains(engine, sa.cast(_at(engine, "tags"), sa.Text), tag))
    with engine.connect() as conn:
        return [_load(raw) for raw in conn.execute(query.limit(limit)).scalars()]


def active_applications(
    engine: sa.Engine, connection_id: str, job_ids: Sequence[str] | None
) -> list[dict[str, Any]]:
    """Applications whose status is Active, of these jobs (all jobs when None)."""
    table = record_table("application")
    query = sa.select(_raw(table)).where(
        table.c.connection_id == connection_id,
        table.c.deleted_at.is_(None),
        _at(engine, "status") == "Active",
    )
    out: list[dict[str, Any]] = []
    with engine.connect() as conn:
        if job_ids is None:
            return [_load(raw) for raw in conn.execute(query).scalars()]
        for chunk in _chunks(sorted(set(job_ids))):
            out.extend(
                _load(raw) for raw in conn.execute(query.where(_at(engine, "job.id").in_(chunk))).scalars()
            )
    return out


def children_due(
    engine: sa.Engine, connection_id: str, stream: str, parent_kind: str, parent_ids: Sequence[str]
) -> set[str]:
    """Of these parents (live records of ``parent_kind``), those whose ``stream`` children were
    never listed, or were listed before the parent last changed: what a lazy read must fetch."""
    parents = record_table(parent_kind)
    fetched = sa.and_(
        child_fetches.c.connection_id == parents.c.connection_id,
        child_fetches.c.stream == stream,
        child_fetches.c.parent_id == parents.c.id,
    )
    when = child_fetches.c.fetched_at
    missing_or_old = sa.or_(when.is_(None), when < parents.c.changed_at)
    due: set[str] = set()
    with engine.connect() as conn:
        for chunk in _chunks(sorted(set(parent_ids))):
            query = (
                sa.select(parents.c.id)
                .select_from(parents.outerjoin(child_fetches, fetched))
                .where(
                    parents.c.connection_id == connection_id,
                    parents.c.id.in_(chunk),
                    parents.c.deleted_at.is_(None),
                    missing_or_old,
                )
            )
            due.update(str(i) for i in conn.execute(query).scalars())
    return due


def last_successes(
    engine: sa.Engine, connection_id: str, streams: Sequence[str]
) -> dict[str, datetime | None]:
    """When each stream's last run finished successfully (None: never)."""
    query = sa.select(sync_state.c.stream, sync_state.c.last_success_at).where(
        sync_state.c.connection_id == connection_id, sync_state.c.stream.in_(list(streams))
    )
    with engine.connect() as conn:
        found = {str(s): at for s, at in conn.execute(query)}
    return {s: found.get(s) for s in streams}


def changed_since(
    engine: sa.Engine, connection_id: str, kind: str, since: datetime | None
) -> list[tuple[str, datetime]]:
    """(id, changed_at) of the records of ``kind`` changed since ``since`` (deletions included;
    all records when None), through the changed_at index."""
    table = record_table(kind)
    query = sa.select(table.c.id, table.c.changed_at).where(table.c.connection_id == connection_id)
    if since is not None:
        query = query.where(table.c.changed_at >= since)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [(str(ident), changed) for ident, changed in rows]


def records_with_state(
    engine: sa.Engine, connection_id: str, kind: str, ids: Sequence[str], parent_as: str | None = None
) -> dict[str, dict[str, Any] | None]:
    """These records by id: their raw JSON, or None once deleted. ``parent_as``: a child list's
    records also carry their parent's id under that key (Ashby's stage history entries do not
    name their application)."""
    table = record_table(kind)
    parent = table.c.parent_id if parent_as is not None else sa.null()
    found: dict[str, dict[str, Any] | None] = {}
    with engine.connect() as conn:
        for chunk in _chunks(sorted(set(ids))):
            query = sa.select(table.c.id, table.c.deleted_at.is_not(None), _raw(table), parent).where(
                table.c.connection_id == connection_id, table.c.id.in_(chunk)
            )
            for ident, deleted, raw, parent_id in conn.execute(query):
                record = None if deleted else _load(raw)
                if record is not None and parent_as is not None:
                    record[parent_as] = parent_id
                found[str(ident)] = record
    return found
