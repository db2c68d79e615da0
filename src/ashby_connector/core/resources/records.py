"""Serving unified models from the store: pages, filters, search, expand; writes through Ashby.

Pages use our own cursor, ``<store cursor>~<records already returned from that store page>``,
so filtering in Python (on unified values) can stop mid-page and resume exactly there.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from ashby_connector import unified
from ashby_connector.core.connections.clients import ConnectionClients
from ashby_connector.core.connections.requested_operations import RequestedOperations
from ashby_connector.core.errors import CoreError
from ashby_connector.core.resources.lazy_children import LazyChildren
from ashby_connector.core.resources.render_cache import RenderCache
from ashby_connector.core.syncs.events import ChangeEvents
from ashby_connector.store import CHILD_PARENTS, KIND_OPERATIONS, Store, StoredRecord, cursors, queries
from ashby_connector.store.records import canonical
from ashby_connector.store.tenancy import ConnectionRow, Tenancy
from ashby_connector.times import iso
from ashby_connector.unified.custom import CustomModelDef
from ashby_connector.unified.fieldmap import FieldMapEntry, apply_writes, plan_writes
from ashby_connector.unified.models import UnifiedModel
from ashby_connector.unified.readers import JOINED
from ashby_connector.unified.registry import NotSupported

KIND_OF_OPERATION = {op: kind for kind, op in KIND_OPERATIONS.items()}


@dataclass(frozen=True)
class Resources:
    """What unified reads and writes use, handed over once by ``Core`` (``core.resources``): the
    store, the connections' mappings and custom models, lazy child lists, clients, change events and
    the records already rendered.
    Every function below takes it, never the whole ``Core``."""

    store: Store
    tenancy: Tenancy
    lazy_children: LazyChildren
    clients: ConnectionClients
    events: ChangeEvents
    render_cache: RenderCache


COMMON = {"id", "remoteId", "createdAt", "updatedAt", "deletedAt", "remoteData"}
# Write-only inputs some models take (Ashby needs them; they are not read back).
WRITE_EXTRAS = {
    "remoteFields",
    "interviewerEmails",
    "offerForm",
    "formDefinitionId",
    "linkedInUrl",
    "scheduleId",
}
# Constant page size: a cursor's skip count must address the same store page on every request.
SCAN_PAGE = 101
# A record's stored children read with it at most (an application has a form submission or two).
_CHILDREN_LIMIT = 100
# Records joined by a field's value (``Join.by``) read with a filter before the kind is indexed.
_FILTERED_READS = 3
# Marks a record found through one part of a model read from several lists: which part reads it.
_PART = "_part"


@dataclass(frozen=True)
class Model:
    """A built-in model or the connection's custom model, resolved for one request."""

    name: str
    spec: unified.ModelSpec | None
    custom: CustomModelDef | None
    kind: str
    mapping: list[FieldMapEntry]
    # Parent records read during this request (an event's schedule), by id.
    parent_lookup: Callable[[str], dict[str, Any] | None] | None = None
    # Stored records of another kind the reader joins (a job's posting), by (kind, id).
    record_lookup: RecordMemo | None = None
    # Stored records of a kind whose field equals one of some values (the offers of a candidate's
    # applications), by (kind, field, values).
    by_lookup: Callable[[str, str, list[str], bool], list[dict[str, Any]]] | None = None
    # A parent's stored children of a child kind (an application's form submissions), by
    # (kind, parent id); None when they were never fetched.
    children_lookup: Callable[[str, str], list[dict[str, Any]] | None] | None = None
    # A model read from several Ashby lists (``ModelSpec.more_sources``): the model once per list.
    parts: tuple[Model, ...] = ()
    # How this model reads a record for this connection (its field mapping or custom definition),
    # when a rendered record may be kept between requests (``render_cache``); None when the
    # rendering depends on more than the record and the records it joins by id.
    cache_key: bytes | None = None

    @property
    def kinds(self) -> tuple[str, ...]:
        """The stored kinds the model's records come from."""
        return tuple(p.kind for p in self.parts) or (self.kind,)

    def _resolved(
        self, record: StoredRecord | dict[str, Any], joined: bool = False
    ) -> tuple[Model, dict[str, Any], str | None]:
        """The model (or part) that reads ``record``, its raw record with what it joins (already
        there when ``joined``: a page scan's records), and when it was deleted."""
        if self.parts and isinstance(record, dict) and _PART in record:
            part: Model = self.parts[record[_PART]]
            return part._resolved({k: v for k, v in record.items() if k != _PART}, joined)
        if isinstance(record, StoredRecord):
            raw = self.complete(record)
        else:
            raw = record if joined else self.join(record)
        return self, raw, iso(record.deleted_at) if isinstance(record, StoredRecord) else None

    def convert(self, record: StoredRecord | dict[str, Any], include_raw: bool) -> UnifiedModel:
        model, raw, deleted = self._resolved(record)
        if model.spec is not None:
            return unified.to_unified(
                model.spec, raw, model.mapping, include_raw=include_raw, deleted_at=deleted
            )
        assert model.custom is not None
        return unified.to_custom(model.custom, raw, include_raw=include_raw, deleted_at=deleted)

    def render(
        self, record: StoredRecord | dict[str, Any], include_raw: bool, *, joined: bool = False
    ) -> dict[str, Any]:
        """``convert(...).model_dump(mode="json")`` without the pydantic model (the read path)."""
        model, raw, deleted = self._resolved(record, joined)
        if model.spec is not None:
            return unified.to_unified_json(
                model.spec, raw, model.mapping, include_raw=include_raw, deleted_at=deleted
            )
        assert model.custom is not None
        return unified.to_custom_json(model.custom, raw, include_raw=include_raw, deleted_at=deleted)

    def prefetch(self, records: list[StoredRecord]) -> None:
        """Read the records a page's joins need (a job's postings) in one query per kind, so
        converting the page asks the store nothing per record."""
        if self.spec is None or self.record_lookup is None:
            return
        for join in self.spec.joins.values():
            if join.by is not None:
                continue  # read by value (``by_lookup``), indexed once per request
            idents: set[str] = set()
            for record in records:
                ident = record.raw.get(join.id_field)
                found = ident if isinstance(ident, list) else [ident]
                wanted = [i for i in found if isinstance(i, str)]
                idents.update(wanted if join.many else wanted[:1])
            self.record_lookup.prefetch(KIND_OF_OPERATION[join.operation], idents)

    def expand(self, record: StoredRecord) -> list[dict[str, Any]]:
        if self.spec is not None and self.spec.explode is not None:
            return self.spec.explode(self.join(record.raw))
        return [self.complete(record)]

    def complete(self, record: StoredRecord) -> dict[str, Any]:
        """The raw record plus what its parent knows (the parent's id; fields the model takes from it)."""
        raw = with_parent(self.kind, record)
        fields = self.spec.parent_fields if self.spec else ()
        if fields and self.parent_lookup and record.parent_id:
            parent = self.parent_lookup(record.parent_id) or {}
            missing = {f: parent[f] for f in fields if f in parent and raw.get(f) is None}
            if missing:
                raw = {**raw, **missing}
        return self.join(raw)

    def join(self, raw: dict[str, Any]) -> dict[str, Any]:
        """``raw`` with the records its model's reader joins (under ``readers.JOINED``)."""
        if self.spec is None:
            return raw
        related: dict[str, Any] = {}
        rid = raw.get("id")
        children_of = self.children_lookup
        for name, kind in self.spec.child_lists.items():
            if name not in raw and isinstance(rid, str) and children_of is not None:
                children = children_of(kind, rid)
                if children is not None:
                    related[name] = children
        lookup = self.record_lookup
        for name, join in self.spec.joins.items():
            ident = raw.get(join.id_field)
            if join.by is not None:
                values = [i for i in (ident if isinstance(ident, list) else [ident]) if isinstance(i, str)]
                if values and self.by_lookup is not None:
                    kind = KIND_OF_OPERATION[join.operation]
                    related[name] = self.by_lookup(kind, join.by, values, join.contains)
                continue
            if join.many:
                ids = [i for i in (ident if isinstance(ident, list) else [ident]) if isinstance(i, str)]
                if ids and lookup is not None:
                    kind = KIND_OF_OPERATION[join.operation]
                    related[name] = [f for f in (lookup(kind, i) for i in ids) if f is not None]
                continue
            if isinstance(ident, list):
                ident = next((i for i in ident if isinstance(i, str)), None)
            if isinstance(ident, str) and lookup is not None:
                found = lookup(KIND_OF_OPERATION[join.operation], ident)
                if found is not None:
                    related[name] = found
        return {**raw, JOINED: related} if related else raw


def with_parent(kind: str, record: StoredRecord) -> dict[str, Any]:
    """Child records (a candidate's notes) do not name their parent; the store does."""
    return raw_with_parent(kind, record.raw, record.parent_id)


def raw_with_parent(kind: str, raw: dict[str, Any], parent_id: str | None) -> dict[str, Any]:
    parent_field = CHILD_PARENTS.get(kind, (None, None))[1]
    if parent_field and parent_id and parent_field not in raw:
        return {**raw, parent_field: parent_id}
    return raw


def _parent_lookup(deps: Resources, conn: ConnectionRow, kind: str) -> Callable[[str], dict[str, Any] | None]:
    parent_kind = CHILD_PARENTS[kind][0]
    memo: dict[str, dict[str, Any] | None] = {}

    def lookup(parent_id: str) -> dict[str, Any] | None:
        if parent_id not in memo:
            memo[parent_id] = deps.store.get(conn.id, parent_kind, parent_id, include_deleted=True)
        return memo[parent_id]

    return lookup


class RecordMemo:
    """Live stored records by (kind, id) for one request: each read once, a page's at once."""

    def __init__(self, deps: Resources, conn: ConnectionRow) -> None:
        self.store = deps.store
        self.conn = conn
        self._memo: dict[tuple[str, str], dict[str, Any] | None] = {}

    def __call__(self, kind: str, ident: str) -> dict[str, Any] | None:
        if (kind, ident) not in self._memo:
            self._memo[(kind, ident)] = self.store.get(self.conn.id, kind, ident)
        return self._memo[(kind, ident)]

    def remember(self, kind: str, ident: str, raw: dict[str, Any] | None) -> None:
        """A record read elsewhere in this request (None: missing or deleted)."""
        self._memo[(kind, ident)] = raw

    def prefetch(self, kind: str, idents: set[str]) -> None:
        missing = [i for i in idents if (kind, i) not in self._memo]
        if not missing:
            return
        found = self.store.get_records(self.conn.id, kind, missing)
        for ident in missing:
            record = found.get(ident)
            self._memo[(kind, ident)] = (
                record.raw if record is not None and record.deleted_at is None else None
            )


def _by_lookup(
    deps: Resources, conn: ConnectionRow
) -> Callable[[str, str, list[str], bool], list[dict[str, Any]]]:
    """Records of a kind by the value of one field: a filtered read for the first few records of
    a request (one attachment), then one pass over the kind indexed for the rest (a page of them;
    offers are few beside the candidates whose pages ask for them)."""
    index: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {}
    calls = [0]

    def lookup(kind: str, field: str, values: list[str], contains: bool) -> list[dict[str, Any]]:
        """``contains``: the field is a list of values (a job's interviewPlanIds)."""
        calls[0] += 1
        by_value = index.get((kind, field))
        if by_value is None and calls[0] <= _FILTERED_READS and not contains:
            return [
                r.raw
                for v in values
                for r in deps.store.list(conn.id, kind, limit=_CHILDREN_LIMIT, filters={field: v}).records
            ]
        if by_value is None:
            by_value = index[(kind, field)] = {}
            cursor: str | None = None
            while True:
                page = deps.store.list(conn.id, kind, cursor=cursor, limit=1000)
                for record in page.records:
                    value = record.raw.get(field)
                    for one in value if isinstance(value, list) else [value]:
                        if isinstance(one, str):
                            by_value.setdefault(one, []).append(record.raw)
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
        return [r for v in values for r in by_value.get(v, [])]

    return lookup


def _children_lookup(
    deps: Resources, conn: ConnectionRow
) -> Callable[[str, str], list[dict[str, Any]] | None]:
    def lookup(kind: str, parent_id: str) -> list[dict[str, Any]] | None:
        stored = deps.store.list(conn.id, kind, parent_id=parent_id, limit=_CHILDREN_LIMIT).records
        if not stored and deps.store.children_fetched_at(conn.id, kind, parent_id) is None:
            return None  # never fetched: unknown, not "none"
        return [record.raw for record in stored]

    return lookup


def ensure_children(deps: Resources, conn: ConnectionRow, model: Model, rid: str) -> None:
    """Before reading one record: its lazy child lists (an application's screening answers),
    fetched from Ashby when never fetched or older than the record's last change."""
    if model.spec is None:
        return
    for kind in model.spec.child_lists.values():
        deps.lazy_children.ensure(conn.id, kind, rid)


def ensure_filtered_children(
    deps: Resources, conn: ConnectionRow, model: Model, filters: dict[str, str]
) -> None:
    """Before listing a child list filtered by its parent (``atsNote?candidateId=...``): when the
    list is lazy, that parent's children come from Ashby on first read (or once stale). Called
    after every input is checked; only what the requested operations allow is fetched."""
    for kind in model.kinds:
        parent_field = CHILD_PARENTS.get(kind, (None, None))[1]
        if parent_field and filters.get(parent_field):
            deps.lazy_children.ensure(conn.id, kind, filters[parent_field])


def resolve_model(deps: Resources, conn: ConnectionRow, name: str) -> Model:
    spec = unified.MODELS.get(name)
    if spec is not None and spec.more_sources:
        parts = tuple(_builtin_model(deps, conn, name, part) for part in spec.parts())
        return Model(name, spec, None, parts[0].kind, parts[0].mapping, parts=parts)
    if spec is not None:
        return _builtin_model(deps, conn, name, spec)
    definition = deps.tenancy.get_custom_model(conn.id, name) if len(name) <= 64 else None
    if definition is not None:
        custom = CustomModelDef(**definition)
        key = b"custom|" + canonical(definition)
        return Model(name, None, custom, KIND_OF_OPERATION[custom.operation], [], cache_key=key)
    known = list(unified.MODELS)
    close = difflib.get_close_matches(name, known, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise CoreError(404, "unknown_model", f"no model {name[:64]!r}{hint}", "model", suggestions=close)


def _builtin_model(deps: Resources, conn: ConnectionRow, name: str, spec: unified.ModelSpec) -> Model:
    mapping = deps.tenancy.get_field_mapping(conn.id, name)
    entries = [FieldMapEntry(**e) for e in mapping]
    kind = KIND_OF_OPERATION[spec.source]
    lookup = _parent_lookup(deps, conn, kind) if spec.parent_fields and kind in CHILD_PARENTS else None
    joins = RecordMemo(deps, conn) if spec.joins else None
    by = _by_lookup(deps, conn) if any(j.by for j in spec.joins.values()) else None
    children = _children_lookup(deps, conn) if spec.child_lists else None
    key = b"mapped|" + canonical(mapping) if _renders_alone(spec) else None
    return Model(name, spec, None, kind, entries, lookup, joins, by, children, cache_key=key)


def _renders_alone(spec: unified.ModelSpec) -> bool:
    """Whether a record's rendering depends only on the record, the mapping and the records it
    joins by id (whose versions ``render_cache`` checks). Parent fields, child lists, joins by
    value and exploded records depend on rows a record does not name, so those are rendered anew."""
    return not (
        spec.parent_fields
        or spec.child_lists
        or spec.explode is not None
        or spec.more_sources
        or any(join.by is not None for join in spec.joins.values())
    )


def check_read(policy: RequestedOperations, model: Model, action: str, expand: list[str] | None) -> None:
    """Refuse a read outside the connection's requested operations (expanded relations included).

    A custom model is read through its Ashby operation, so that operation must be covered.
    """
    if model.spec is None:
        assert model.custom is not None
        policy.require_ashby(model.custom.operation)
        return
    policy.require(model.name, action)
    require_readable(model, action)
    for name in expand or ():
        relation = model.spec.relations.get(name)
        if relation is not None:
            policy.require_any(relation.model, ("list", "retrieve"))


def require_readable(model: Model, action: str) -> None:
    """501 ``not_supported`` for a model Ashby's API cannot read (EEOC answers): never an empty
    success that would read as "no records"."""
    if model.spec is None:
        return
    try:
        model.spec.require_readable(action)
    except unified.ReadNotSupportedError as exc:
        raise CoreError(501, "not_supported", str(exc), None, operation=f"{exc.model}::{action}") from None


# -- cursors -----------------------------------------------------------------------------------
def encode_cursor(store_cursor: str | None, skip: int) -> str:
    return cursors.encode(store_cursor or "", str(skip))


def decode_cursor(cursor: str) -> tuple[str | None, int]:
    try:
        store_cursor, skip = cursors.decode(cursor, parts=2)
        # A position inside one store page: a handful of digits, never negative.
        if not skip.isdigit() or len(skip) > 7 or len(store_cursor) > 400:
            raise ValueError(skip)
        return store_cursor or None, int(skip)
    except ValueError:
        raise CoreError(
            400, "invalid_cursor", "the cursor is not one this server gave out", "cursor"
        ) from None


# -- reading -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ListQuery:
    limit: int
    cursor: str | None
    updated_after: datetime | None
    created_after: datetime | None
    ids: list[str] | None
    q: str | None
    filters: dict[str, str]
    include_raw: bool


def _matches(record: dict[str, Any], query: ListQuery, search: tuple[str, ...]) -> bool:
    for name, wanted in query.filters.items():
        value = record.get(name)
        if isinstance(value, list):  # a list field matches when it holds the value
            if wanted not in (str(v) for v in value):
                return False
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        if value is None or str(value) != wanted:
            return False
    if query.created_after is not None:
        created = record.get("createdAt")
        when = _parse(created) if isinstance(created, str) else None
        if when is None or when <= query.created_after:
            return False
    if query.q:
        needle = query.q.casefold()
        fields = search or tuple(k for k, v in record.items() if isinstance(v, str))
        if not any(isinstance(record.get(f), str) and needle in record[f].casefold() for f in fields):
            return False
    return True


def _parse(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _scan(
    deps: Resources,
    conn: ConnectionRow,
    model: Model,
    query: ListQuery,
) -> Iterator[tuple[str | None, int, StoredRecord, dict[str, Any]]]:
    """Every source record from the cursor on, with its exploded raw records and positions."""
    store_cursor, skip = decode_cursor(query.cursor) if query.cursor else (None, 0)
    narrowing = narrowing_of(model, query)
    while True:
        records, next_cursor = queries.narrowed_page(
            deps.store.engine, conn.id, model.kind, narrowing, store_cursor, SCAN_PAGE
        )
        model.prefetch(records)
        position = 0
        for record in records:
            for raw in model.expand(record):
                position += 1
                if position <= skip:
                    continue
                yield store_cursor, position, record, raw
        if next_cursor is None:
            return
        store_cursor, skip = next_cursor, 0


def narrowing_of(model: Model, query: ListQuery) -> queries.Narrowing:
    """What of the query SQL can apply (a superset of the answer; the rest is checked in Python)."""
    spec = model.spec
    searchable = spec is not None and bool(spec.search) and spec.search_in_raw
    return queries.Narrowing(
        raw_filters=_pushdown(model, query.filters),
        path_filters=tuple(
            (spec.pushdown_paths[name], wanted)
            for name, wanted in query.filters.items()
            if spec is not None and name in spec.pushdown_paths
        ),
        updated_after=query.updated_after,
        created_field=spec.created_field if spec is not None else "createdAt",
        created_after=query.created_after,
        needle=queries.searchable_needle(query.q) if searchable else None,
    )


def _pushdown(model: Model, filters: dict[str, str]) -> dict[str, Any]:
    """The filters the store can apply on raw fields (the rest are checked in Python)."""
    if model.spec is None:
        return {}
    raw: dict[str, Any] = {}
    for name, wanted in filters.items():
        rule = model.spec.pushdown.get(name)
        if rule is not None:
            field, values = rule
            raw[field] = values.get(wanted, wanted) if values is not None else wanted
    return raw


def list_records(
    deps: Resources, conn: ConnectionRow, model: Model, query: ListQuery
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the model's records as JSON-ready dicts (the unified models' dumps), and the
    cursor of the next page."""
    require_readable(model, "list")
    if query.ids is not None:
        out = []
        for rid in query.ids[: query.limit]:
            found = get_record(deps, conn, model, rid, missing_ok=True)
            if found is not None:
                out.append(model.render(found[0] if found[1] is None else found[1], query.include_raw))
        return out, None
    if model.parts:
        return _list_parts(deps, conn, model, query)
    results: list[dict[str, Any]] = []
    needs_check = bool(query.filters or query.q or query.created_after)
    search = model.spec.search if model.spec else ()
    # ``_scan`` hands over records already joined (``complete``); pieces of an exploded record
    # (a candidate's files) are joined as the pieces they are.
    joined = model.spec is None or model.spec.explode is None
    for store_cursor, position, record, raw in _scan(deps, conn, model, query):
        if len(results) == query.limit:
            return results, encode_cursor(store_cursor, position - 1)
        deleted = iso(record.deleted_at)
        item = model.render(raw, query.include_raw, joined=joined)
        if deleted:
            item["deletedAt"] = deleted
        if not needs_check or _matches(item, query, search):
            results.append(item)
    return results, None


def _list_parts(
    deps: Resources, conn: ConnectionRow, model: Model, query: ListQuery
) -> tuple[list[dict[str, Any]], str | None]:
    """A model read from several lists. Narrowed to one parent (``ModelSpec.scopes``: a
    candidate's activity): every part's matching records, ordered by ``createdAt`` then id, the
    cursor an offset. Otherwise each part in turn, the cursor naming the part and its own cursor."""
    assert model.spec is not None
    if any(query.filters.get(name) for name in model.spec.scopes):
        merged = [item for part in model.parts for item in _every_match(deps, conn, part, query)]
        merged.sort(key=_time_order)
        _, offset = decode_cursor(query.cursor) if query.cursor else (None, 0)
        end = offset + query.limit
        return merged[offset:end], (encode_cursor(None, end) if end < len(merged) else None)
    index, cursor = _part_cursor(query.cursor, len(model.parts))
    results: list[dict[str, Any]] = []
    for at in range(index, len(model.parts)):
        wanted = replace(query, limit=query.limit - len(results), cursor=cursor)
        items, next_cursor = list_records(deps, conn, model.parts[at], wanted)
        results += items
        if next_cursor is not None:
            store_cursor, skip = decode_cursor(next_cursor)
            return results, encode_cursor(f"{at}:{store_cursor or ''}", skip)
        cursor = None
        if len(results) == query.limit and at + 1 < len(model.parts):
            return results, encode_cursor(f"{at + 1}:", 0)
    return results, None


def _time_order(item: dict[str, Any]) -> tuple[datetime, str]:
    created = item.get("createdAt")
    when = _parse(created) if isinstance(created, str) else None
    return when or datetime.min.replace(tzinfo=UTC), str(item["id"])


def _every_match(deps: Resources, conn: ConnectionRow, part: Model, query: ListQuery) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        items, cursor = list_records(deps, conn, part, replace(query, limit=1000, cursor=cursor))
        out += items
        if cursor is None:
            return out


def _part_cursor(cursor: str | None, parts: int) -> tuple[int, str | None]:
    """``<part>:<store cursor>~<skip>`` -> the part and that part's own cursor."""
    if cursor is None:
        return 0, None
    store_cursor, skip = decode_cursor(cursor)
    index, colon, inner = (store_cursor or "").partition(":")
    if not colon or not index.isdigit() or int(index) >= parts:
        raise CoreError(400, "invalid_cursor", "the cursor is not one this server gave out", "cursor")
    return int(index), (encode_cursor(inner or None, skip) if inner or skip else None)


def _holders(deps: Resources, conn: ConnectionRow, model: Model, rid: str) -> list[StoredRecord]:
    """The stored records that may hold the piece ``rid``: those listing it, or for an offer
    letter, the candidate of the application of the offer listing it."""
    found = deps.store.find_holders(conn.id, model.kind, rid)
    if found or model.kind != "candidate":
        return found
    for offer in deps.store.find_holders(conn.id, "offer", rid):
        application = deps.store.get(conn.id, "application", str(offer.raw.get("applicationId")))
        candidate_id = ((application or {}).get("candidate") or {}).get("id")
        candidate = deps.store.get_record(conn.id, "candidate", str(candidate_id)) if candidate_id else None
        if candidate is not None:
            found.append(candidate)
    return found


def get_record(
    deps: Resources, conn: ConnectionRow, model: Model, rid: str, *, missing_ok: bool = False
) -> tuple[StoredRecord, dict[str, Any] | None] | None:
    """The stored record for ``rid`` (and, for exploded models, the piece with that id)."""
    require_readable(model, "retrieve")
    for at, part in enumerate(model.parts):
        found = get_record(deps, conn, part, rid, missing_ok=True)
        if found is not None:
            record, piece = found
            return record, {**(piece or part.complete(record)), _PART: at}
    if len(rid) <= 255 and not model.parts:
        if model.spec is not None and model.spec.explode is not None:
            # Pieces (a candidate's files) are indexed by their own id: no scan of the holders.
            for record in _holders(deps, conn, model, rid):
                if record.deleted_at is not None:
                    continue
                for piece in model.expand(record):
                    if piece.get("id") == rid:
                        return record, piece
        else:
            stored = deps.store.get_record(conn.id, model.kind, rid)
            if stored is not None and stored.deleted_at is None:
                return stored, None
    if missing_ok:
        return None
    raise CoreError(404, "record_not_found", f"no {model.name} with this id", "id")


def expand_relations(
    deps: Resources, conn: ConnectionRow, model: Model, item: dict[str, Any], names: list[str]
) -> None:
    """Expand ``names`` in one record (see ``expand_relations_page``)."""
    expand_relations_page(deps, conn, model, [item], names)


def expand_relations_page(
    deps: Resources, conn: ConnectionRow, model: Model, items: list[dict[str, Any]], names: list[str]
) -> None:
    """Expand ``names`` in every record of a page, each relation read for the whole page at once:
    one query per relation for the ids the page names, one listing per distinct ``by`` value."""
    relations = model.spec.relations if model.spec else {}
    for name in names:
        relation = relations.get(name)
        if relation is None:
            raise CoreError(
                400,
                "unknown_expand",
                f"{model.name} cannot expand {name!r}; it can expand {', '.join(relations) or 'nothing'}",
                "expand",
            )
        target = resolve_model(deps, conn, relation.model)
        values = [item.get(relation.field) for item in items]
        if relation.by is not None:
            by = relation.by
            listed = {v: _related_by(deps, conn, target, by, v) for v in set(values) if isinstance(v, str)}
            for item, value in zip(items, values, strict=True):
                item[name] = listed.get(value, []) if isinstance(value, str) else []
            continue
        wanted = {i for v in values for i in (v if isinstance(v, list) else [v]) if isinstance(i, str)}
        found = _related_many(deps, conn, target, wanted)
        for item, value in zip(items, values, strict=True):
            if isinstance(value, list):
                item[name] = [found[v] for v in value if isinstance(v, str) and found.get(v) is not None]
            else:
                item[name] = found.get(value) if isinstance(value, str) else None


_RELATED_LIMIT = 100  # an expanded list relation answers at most this many records


def _related_many(
    deps: Resources, conn: ConnectionRow, target: Model, idents: set[str]
) -> dict[str, dict[str, Any] | None]:
    """The unified records of ``idents`` (None for those not stored), read in one query."""
    if target.spec is not None and target.spec.explode is not None:
        return {i: _related_one(deps, conn, target, i) for i in idents}  # pieces: by their index
    require_readable(target, "retrieve")
    stored = deps.store.get_records(conn.id, target.kind, [i for i in idents if len(i) <= 255])
    return {
        i: _dump_related(target, stored[i]) if i in stored and stored[i].deleted_at is None else None
        for i in idents
    }


def _dump_related(target: Model, record: StoredRecord | dict[str, Any]) -> dict[str, Any]:
    data = target.render(record, False)
    data.pop("remoteData", None)
    return data


def _related_one(deps: Resources, conn: ConnectionRow, target: Model, ident: str) -> dict[str, Any] | None:
    found = get_record(deps, conn, target, ident, missing_ok=True)
    if not found:
        return None
    return _dump_related(target, found[1] or found[0])


def _related_by(
    deps: Resources, conn: ConnectionRow, target: Model, field: str, value: Any
) -> list[dict[str, Any]]:
    """The records of ``target`` whose unified ``field`` equals ``value`` (an application's offers)."""
    if not isinstance(value, str):
        return []
    query = ListQuery(_RELATED_LIMIT, None, None, None, None, None, {field: value}, False)
    records, _ = list_records(deps, conn, target, query)
    for data in records:
        data.pop("remoteData", None)
    return records


def store_raw(deps: Resources, conn: ConnectionRow, model: Model, raw: dict[str, Any]) -> None:
    """Keep a record Ashby just returned, so the next list sees it without waiting for a sync."""
    if not isinstance(raw.get("id"), str) or (model.spec and model.spec.explode):
        return
    parent_field = CHILD_PARENTS.get(model.kind, (None, None))[1]
    parent = raw.get(parent_field) if parent_field else None
    result = deps.store.upsert_records(
        conn.id, model.kind, [raw], parent_id=parent if isinstance(parent, str) else None
    )
    deps.events.notify(conn.id, model.kind, list(result.changes))


def read_live(deps: Resources, conn: ConnectionRow, model: Model, rid: str) -> dict[str, Any]:
    require_readable(model, "retrieve")
    if model.spec is None or model.spec.info is None:
        raise CoreError(
            400,
            "live_not_supported",
            f"Ashby has no single-record read for {model.name}; read it from the store",
            "live",
        )
    op, param = model.spec.info
    raw = deps.clients.require(conn.id).call(op, {param: rid, **model.spec.info_body})
    if not isinstance(raw, dict):
        raise CoreError(502, "ashby_error", "Ashby answered without a record")
    # Child lists the live read carries (screening answers) are kept as the child rows they are,
    # not in the record, so the stored record stays what its list returns.
    children = model.spec.child_lists
    store_raw(deps, conn, model, {k: v for k, v in raw.items() if k not in children})
    for name, kind in children.items():
        if isinstance(raw.get(name), list) and deps.lazy_children.policy(conn.id, kind) != "off":
            rows = [c for c in raw[name] if isinstance(c, dict)]
            deps.store.replace_children(conn.id, kind, kind, rid, rows)
    return raw


# -- writing -----------------------------------------------------------------------------------
def check_payload(model: Model, payload: dict[str, Any], partial: bool) -> None:
    assert model.spec is not None
    allowed = (set(model.spec.cls.model_fields) - COMMON) | WRITE_EXTRAS
    for key in payload:
        if key not in allowed:
            raise CoreError(
                422, "unknown_field", f"{model.name} has no writable field {key[:100]!r}", key[:100]
            )
    known = {k: v for k, v in payload.items() if k in model.spec.cls.model_fields}
    try:
        model.spec.cls.model_validate({"id": "x", "remoteId": "x", **known})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise CoreError(422, "invalid_field", f"{field}: {first['msg']}", field) from None
    if not partial and not payload:
        raise CoreError(422, "invalid_request", "send the fields to create", "body")


def write(
    deps: Resources,
    conn: ConnectionRow,
    model: Model,
    action: str,
    rid: str | None,
    payload: dict[str, Any],
    flags: set[str],
) -> tuple[UnifiedModel, bool]:
    """Run a create/update/delete through Ashby; returns the unified record and whether it is gone."""
    if model.spec is None:
        raise CoreError(501, "not_supported", "custom models are read-only; write through the proxy")
    spec = model.spec
    plan = spec.write(action)
    if isinstance(plan, NotSupported):
        raise CoreError(501, "not_supported", f"{action} {model.name}: {plan.reason}")
    if plan.explicit and plan.explicit not in flags:
        raise CoreError(
            400,
            "confirmation_required",
            f"{action} {model.name} calls {', '.join(plan.operations)}, which cannot be undone; "
            f"repeat with ?{plan.explicit}=true",
            plan.explicit,
        )
    if action != "delete":
        check_payload(model, payload, partial=action == "update")
    current = _current(deps, conn, model, rid) if rid is not None else None
    call = deps.clients.require(conn.id).call
    custom_values = payload.pop("customFields", None) or {}
    plans = []
    if custom_values:
        if not isinstance(custom_values, dict) or spec.custom_field_object is None:
            raise CoreError(422, "invalid_field", f"{model.name} takes no custom fields", "customFields")
        definitions = _definitions(deps, conn, call)
        try:
            plans = plan_writes(custom_values, model.mapping, definitions, spec.custom_field_object)
        except unified.WriteInputError as exc:
            raise CoreError(422, "invalid_field", str(exc), exc.field) from None
    try:
        raw = plan.run(call, rid, payload, current)
    except unified.WriteInputError as exc:
        raise CoreError(422, "invalid_field", str(exc), exc.field) from None
    # Updates and deletes concern the record asked for, whatever id Ashby's answer carries.
    record_id = rid or (raw.get("id") if isinstance(raw.get("id"), str) else None)
    if plans and record_id and spec.custom_field_object:
        apply_writes(call, spec.custom_field_object, record_id, plans)
    if action == "delete" and model.kind == "application":
        if deps.store.mark_deleted(conn.id, model.kind, [str(rid)]):
            deps.events.notify(conn.id, model.kind, [("deleted", {**(current or {}), "id": rid})])
        gone = model.convert({**(current or {}), "id": rid}, False)
        return gone, True
    if spec.info and record_id:
        raw = read_live(deps, conn, model, record_id)  # the fresh record, custom fields included
    else:
        if current and action != "create":
            raw = {**current, **raw, "id": record_id}
        store_raw(deps, conn, model, raw)
    return model.convert(raw, False), False


def _current(deps: Resources, conn: ConnectionRow, model: Model, rid: str) -> dict[str, Any]:
    found = get_record(deps, conn, model, rid, missing_ok=True)
    if found is not None:
        return found[1] or with_parent(model.kind, found[0])
    if model.spec is not None and model.spec.info is not None:
        return read_live(deps, conn, model, rid)  # not synced yet: Ashby knows (or answers 404)
    raise CoreError(404, "record_not_found", f"no {model.name} with this id", "id")


def _definitions(deps: Resources, conn: ConnectionRow, call: Any) -> list[dict[str, Any]]:
    """Custom field definitions, read live: a field made a minute ago must be writable now."""
    fetched = call("customField.list", {})
    definitions = [d for d in fetched if isinstance(d, dict)] if isinstance(fetched, list) else []
    if definitions:
        deps.store.upsert_records(conn.id, "customField", definitions)
    return definitions
