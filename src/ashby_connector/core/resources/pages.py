"""Plain pages of unified records (no filter, search, ids, fields or expand), answered as JSON from
records rendered before when they are still current (``render_cache``).

A page costs one query for its rows' keys (id, parent, version), one per joined kind for the
versions of the records they joined, and the rendering of what changed since; the records that
did not change are neither read nor decoded. The page and its cursor are the ones
``records.list_records`` answers: same rows, same order, same cursor, the same bytes per record.
"""

from __future__ import annotations

from typing import Any

import orjson

from ashby_connector.core.resources.records import (
    KIND_OF_OPERATION,
    SCAN_PAGE,
    ListQuery,
    Model,
    Resources,
    decode_cursor,
    encode_cursor,
    narrowing_of,
    raw_with_parent,
    require_readable,
)
from ashby_connector.core.resources.render_cache import CacheKey, Joined, Rendered
from ashby_connector.store.queries import HashedRecord, RowKey
from ashby_connector.store.tenancy import ConnectionRow
from ashby_connector.unified.registry import Join

# (stored kind, record id)
Ref = tuple[str, str]


def list_encoded(
    deps: Resources, conn: ConnectionRow, model: Model, query: ListQuery
) -> tuple[list[bytes], str | None] | None:
    """The page's records, each as its JSON, and the next page's cursor; None when this page must
    be read the general way (``records.list_records``): a filter or search, a list of ids, a model
    whose rendering depends on more than its records, or the cache turned off."""
    if (
        not deps.render_cache.enabled
        or model.cache_key is None
        or model.parts
        or query.ids is not None
        or query.filters
        or query.q
        or query.created_after is not None
    ):
        return None
    require_readable(model, "list")
    keys, next_cursor = _page_keys(deps, conn, model, query)
    bodies = _bodies(deps, conn, model, keys, query.include_raw)
    # A record deleted between the two reads is left out, as a read a moment later would.
    return [bodies[key] for key in keys if key in bodies], next_cursor


def retrieve_encoded(
    deps: Resources, conn: ConnectionRow, model: Model, record_id: str, include_raw: bool
) -> bytes | None:
    """One stored record as its JSON, as ``records.get_record`` and ``Model.render`` answer it;
    None when it must be read the general way (a model rendered on every read, the cache off, or
    no live record by that id: the general way answers the 404)."""
    if not deps.render_cache.enabled or model.cache_key is None or model.parts or len(record_id) > 255:
        return None
    require_readable(model, "retrieve")
    found = deps.store.record_key(conn.id, model.kind, record_id)
    if found is None or found[1]:
        return None
    return _bodies(deps, conn, model, [found[0]], include_raw).get(found[0])


def _page_keys(
    deps: Resources, conn: ConnectionRow, model: Model, query: ListQuery
) -> tuple[list[RowKey], str | None]:
    """The page's rows, walked in store pages of ``SCAN_PAGE`` exactly as ``records._scan`` walks
    them, so a cursor means the same position to both."""
    store_cursor, skip = decode_cursor(query.cursor) if query.cursor else (None, 0)
    narrowing = narrowing_of(model, query)
    keys: list[RowKey] = []
    while True:
        page, next_id = deps.store.narrowed_keys(conn.id, model.kind, narrowing, store_cursor, SCAN_PAGE)
        for position, key in enumerate(page, start=1):
            if position <= skip:
                continue
            if len(keys) == query.limit:
                return keys, encode_cursor(store_cursor, position - 1)
            keys.append(key)
        if next_id is None:
            return keys, None
        store_cursor, skip = next_id, 0


def _cache_key(conn: ConnectionRow, model: Model, key: RowKey, include_raw: bool) -> CacheKey:
    return (conn.id, model.name, include_raw, key[0], key[1])


def _bodies(
    deps: Resources, conn: ConnectionRow, model: Model, keys: list[RowKey], include_raw: bool
) -> dict[RowKey, bytes]:
    prefix = (conn.id, model.name, include_raw)
    entries = deps.render_cache.get_many([(*prefix, key[0], key[1]) for key in keys])
    kept: dict[RowKey, Rendered] = {}
    for key, entry in zip(keys, entries, strict=True):
        if entry is not None and entry.raw_hash == key[2] and entry.model_key == model.cache_key:
            kept[key] = entry
    refs = {(kind, ident) for entry in kept.values() for kind, ident, _ in entry.joined}
    joined_now = _versions(deps, conn, refs) if refs else {}
    bodies = {
        key: entry.body
        for key, entry in kept.items()
        if not entry.joined
        or all(joined_now[(kind, ident)] == version for kind, ident, version in entry.joined)
    }
    missing = [key for key in keys if key not in bodies]
    if missing:
        bodies.update(_render(deps, conn, model, missing, include_raw))
    return bodies


def _versions(deps: Resources, conn: ConnectionRow, refs: set[Ref]) -> dict[Ref, str | None]:
    """Each record's current version (None: missing or deleted), one query per kind."""
    found = _read(deps, conn, refs, with_raw=False)
    return {ref: (row.raw_hash if row is not None else None) for ref, row in found.items()}


def _read(
    deps: Resources, conn: ConnectionRow, refs: set[Ref], *, with_raw: bool
) -> dict[Ref, HashedRecord | None]:
    """The live rows of ``refs`` (None: missing or deleted); for a linked kind, the last changed link
    (what ``RecordMemo`` reads)."""
    by_kind: dict[str, list[str]] = {}
    for kind, ident in refs:
        by_kind.setdefault(kind, []).append(ident)
    found: dict[Ref, HashedRecord | None] = dict.fromkeys(refs)
    for kind, idents in by_kind.items():
        for row in deps.store.hashed_records(conn.id, kind, sorted(idents), with_raw=with_raw):
            found[(kind, row.id)] = None if row.deleted else row
    return found


def joined_ids(raw: dict[str, Any], join: Join) -> list[str]:
    """The ids ``Model.join`` looks up for ``join`` in ``raw`` (the first one, or all with ``many``)."""
    ident = raw.get(join.id_field)
    idents = [i for i in (ident if isinstance(ident, list) else [ident]) if isinstance(i, str)]
    return idents if join.many else idents[:1]


def _render(
    deps: Resources, conn: ConnectionRow, model: Model, keys: list[RowKey], include_raw: bool
) -> dict[RowKey, bytes]:
    """Read, render and keep the records of ``keys``; the records they join are read with their
    versions in the same query, so a kept entry never claims a version newer than it was made from."""
    latest: dict[tuple[str, str | None], HashedRecord] = {}
    for read in deps.store.hashed_records(conn.id, model.kind, [k[0] for k in keys], with_raw=True):
        latest[(read.id, read.parent_id)] = read  # oldest change first: the last one read wins
    joins = list(model.spec.joins.values()) if model.spec is not None else []
    refs: dict[RowKey, list[Ref]] = {}
    for key in keys:
        row = latest.get((key[0], key[1]))
        if row is None or row.deleted or row.raw is None:
            continue
        refs[key] = [
            (KIND_OF_OPERATION[join.operation], ident)
            for join in joins
            for ident in joined_ids(row.raw, join)
        ]
    joined_rows = _read(deps, conn, {ref for found in refs.values() for ref in found}, with_raw=True)
    memo = model.record_lookup
    if memo is not None:
        for (kind, ident), joined_row in joined_rows.items():
            memo.remember(kind, ident, joined_row.raw if joined_row is not None else None)
    assert model.cache_key is not None
    out: dict[RowKey, bytes] = {}
    for key, found in refs.items():
        row = latest[(key[0], key[1])]
        assert row.raw is not None
        item = model.render(raw_with_parent(model.kind, row.raw, row.parent_id), include_raw)
        if not include_raw:
            item.pop("remoteData", None)
        body = orjson.dumps(item)
        joined: tuple[Joined, ...] = tuple(
            sorted({(kind, ident, _version(joined_rows[(kind, ident)])) for kind, ident in found})
        )
        deps.render_cache.put(
            _cache_key(conn, model, key, include_raw), Rendered(row.raw_hash, model.cache_key, joined, body)
        )
        out[key] = body
    return out


def _version(row: HashedRecord | None) -> str | None:
    return row.raw_hash if row is not None else None
