"""``Store``: records and sync state over SQLAlchemy Core, the same code on SQLite and PostgreSQL."""

from __future__ import annotations

import builtins
import hashlib
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa

from ashby_connector.store import cursors, pieces, queries
from ashby_connector.store import engine as _engine
from ashby_connector.store.errors import StoreError
from ashby_connector.store.kinds import LINKED_CHILDREN
from ashby_connector.store.records import StoredRecord, canonical, record_id
from ashby_connector.store.schema import child_fetches, record_table, sync_state
from ashby_connector.store.wakeups import Wakeups
from ashby_connector.times import utcnow

Change = Literal["created", "updated", "deleted"]
# The one change callback of the project: ``on_change(kind, raw record, change)`` for one connection.
# Sync runs, the webhook processor and the server's writes all report store changes through it.
ChangeCallback = Callable[[str, dict[str, Any], Change], None]
# connection id -> that connection's change callback (runners and the webhook processor take one).
ChangeCallbackFor = Callable[[str], ChangeCallback]
ReconcileScope = Literal["all", "parent"]

_CHUNK = 500  # ids per IN (...) clause: well under SQLite's variable limit


@dataclass
class UpsertResult:
    """What one batch did to the store; ``changes`` lists created/updated records only."""

    inserted: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    older: int = 0  # records not written because the stored copy is newer (``updatedAt``)
    changes: list[tuple[Change, dict[str, Any]]] = field(default_factory=list)
    embedded: UpsertResult | None = None  # children stored from the records (save_page)

    def __iadd__(self, other: UpsertResult) -> UpsertResult:
        self.inserted += other.inserted
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.deleted += other.deleted
        self.older += other.older
        self.changes.extend(other.changes)
        return self


@dataclass(frozen=True)
class RecordPage:
    records: list[StoredRecord]
    next_cursor: str | None


@dataclass(frozen=True)
class StreamState:
    connection_id: str
    stream: str
    sync_token: str | None = None
    run_mode: str | None = None
    run_sync_token: str | None = None
    cursor: str | None = None
    run_started_at: datetime | None = None
    run_fetched: int = 0
    run_changed: int = 0
    run_pages: int = 0
    parent_watermark: datetime | None = None
    last_full_sync_at: datetime | None = None
    last_success_at: datetime | None = None
    last_fetched: int = 0
    last_changed: int = 0
    last_error: str | None = None

    @property
    def unfinished(self) -> bool:
        """A run was started and not finished (killed or failed): resume it."""
        return self.run_mode is not None


class Store:
    """The local copy of one or more Ashby accounts (connections)."""

    def __init__(self, engine: sa.Engine, *, guard_connections: bool = False) -> None:
        """``guard_connections``: refuse writes for connections that are not (or no longer) in the
        connection table (the server and its workers; a single-account ``sync`` has no such row)."""
        self.engine = engine
        self.dialect = engine.dialect.name
        self.guard_connections = guard_connections
        # SQLite has one writer: serialising writes here avoids busy-waiting in the driver.
        self._write_lock: threading.Lock | None = threading.Lock() if self.dialect == "sqlite" else None
        # Background loops wait on these instead of polling (LISTEN/NOTIFY across processes).
        self.wakeups = Wakeups(engine)
        self._shared = threading.local()  # the transaction this thread's writes join, if any

    # -- lifecycle -------------------------------------------------------------------------------

    @classmethod
    def open(
        cls, url: str = _engine.DEFAULT_URL, *, migrate: bool = True, guard_connections: bool = False
    ) -> Store:
        """Open (creating if needed) and migrate to every branch head. Raises ``StoreError``."""
        engine = _engine.create_engine(url)
        if migrate:
            try:
                _engine.upgrade(engine)
            except BaseException:
                engine.dispose()
                raise
        return cls(engine, guard_connections=guard_connections)

    def close(self) -> None:
        self.wakeups.close()
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """One write transaction; other parts may use it to join their tables' writes. Inside
        ``shared_transaction`` (same thread) it is that transaction."""
        shared: sa.Connection | None = getattr(self._shared, "conn", None)
        if shared is not None:
            yield shared
            return
        lock = self._write_lock or nullcontext()
        with lock:
            try:
                with self.engine.begin() as conn:
                    yield conn
            except sa.exc.OperationalError as exc:
                raise StoreError(f"cannot write to {self.url}: {str(exc.orig).strip()}") from exc

    @contextmanager
    def shared_transaction(self) -> Iterator[sa.Connection]:
        """One transaction that every store write of this thread joins until it ends: a webhook
        batch's records and its inbox marks commit together, holding SQLite's writer lock once."""
        with self.transaction() as conn:
            self._shared.conn = conn
            try:
                yield conn
            finally:
                self._shared.conn = None

    @contextmanager
    def _writing(self, connection_id: str) -> Iterator[sa.Connection]:
        """A write transaction for one connection's rows (guarded, see ``guard_connections``)."""
        with self.transaction() as conn:
            if self.guard_connections:
                queries.connection_guard(conn, connection_id)
            yield conn

    # -- records ---------------------------------------------------------------------------------

    def upsert_records(
        self,
        connection_id: str,
        kind: str,
        records: Sequence[dict[str, Any]],
        *,
        synced_at: datetime | None = None,
        parent_id: str | None = None,
    ) -> UpsertResult:
        """Insert or update records; only records whose JSON differs count as changed."""
        with self._writing(connection_id) as conn:
            return self._upsert(conn, connection_id, kind, records, synced_at or utcnow(), parent_id)

    def _upsert(
        self,
        conn: sa.Connection,
        connection_id: str,
        kind: str,
        records: Sequence[dict[str, Any]],
        synced_at: datetime,
        parent_id: str | None,
        parents: Sequence[str] | None = None,
    ) -> UpsertResult:
        """``parents``: each record's own parent (derived children of a page of parents)."""
        table = record_table(kind)
        name = table.name
        dialect = self.dialect
        result = UpsertResult()
        rows: dict[str, tuple[dict[str, Any], tuple[Any, ...]]] = {}
        at = queries.ts(dialect, synced_at)
        for i, record in enumerate(records):
            if parents is not None:
                parent_id = parents[i]
            rid = record_id(record, parent_id)
            text = canonical(record)
            digest = hashlib.blake2b(text, digest_size=16).hexdigest()
            # A page may repeat a record: the last copy wins, counted once.
            rows[rid] = (
                record,
                (
                    connection_id,
                    rid,
                    parent_id,
                    text.decode(),
                    digest,
                    queries.record_ts(dialect, record),
                    at,
                    at,
                ),
            )
        if not rows:
            return result
        linked = kind in LINKED_CHILDREN
        if linked and (parent_id is None or parents is not None):
            raise StoreError(f"{kind} records are stored per parent: parent_id is required")
        scope = parent_id if linked else None
        known: dict[str, tuple[str, bool, Any]] = {}
        ids = list(rows)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            known.update(queries.existing(conn, dialect, name, connection_id, chunk, scope))
        writes: list[tuple[Any, ...]] = []
        touched: list[str] = []
        for rid, (record, row) in rows.items():
            old = known.get(rid)
            if old is None:
                result.inserted += 1
                result.changes.append(("created", record))
                writes.append(row)
            elif _older(row[5], old[2]):
                # A page fetched before a webhook applied a newer version: keep the newer one.
                result.unchanged += 1
                result.older += 1
                touched.append(rid)
            elif old[0] != row[4] or old[1]:
                # Changed, or seen again after being marked deleted: both are news to a reader.
                result.changed += 1
                result.changes.append(("created" if old[1] else "updated", record))
                writes.append(row)
            else:
                result.unchanged += 1
                touched.append(rid)
        if writes:
            queries.write_records(conn, dialect, name, writes, linked=linked)
            if kind in pieces.HOLDING_KINDS:
                written = {row[1] for row in writes}
                pieces.record_pieces(
                    conn, connection_id, kind, ((rid, rows[rid][0]) for rid in rows if rid in written)
                )
        for start in range(0, len(touched), _CHUNK):
            queries.touch(conn, dialect, name, connection_id, touched[start : start + _CHUNK], at, scope)
        return result

    def _save_embedded(
        self,
        conn: sa.Connection,
        connection_id: str,
        parents: Sequence[dict[str, Any]],
        embedded: tuple[str, str],
        now: datetime,
    ) -> UpsertResult:
        kind, field_name = embedded
        children: list[dict[str, Any]] = []
        owners: list[str] = []
        parent_ids: list[str] = []
        for parent in parents:
            items = parent.get(field_name)
            pid = parent.get("id")
            if not isinstance(pid, str) or not isinstance(items, list):
                continue  # a parent without the field says nothing about its children
            parent_ids.append(pid)
            for item in items:
                if isinstance(item, dict):
                    children.append(item)
                    owners.append(pid)
        result = self._upsert(conn, connection_id, kind, children, now, None, owners)
        if parent_ids:
            table = record_table(kind)
            keep = {record_id(c, o) for c, o in zip(children, owners, strict=True)}
            cond = [
                table.c.connection_id == connection_id,
                table.c.parent_id.in_(parent_ids),
                table.c.deleted_at.is_(None),
            ]
            # Ids first: the children just stored are all listed here, and only the ones gone
            # need their JSON read back (for the change events).
            gone_ids = [
                i for i in conn.execute(sa.select(table.c.id).where(*cond)).scalars() if i not in keep
            ]
            gone: list[tuple[str, dict[str, Any]]] = []
            if gone_ids:
                rows = conn.execute(sa.select(table.c.id, table.c.raw).where(*cond, table.c.id.in_(gone_ids)))
                gone = [(r.id, dict(r.raw)) for r in rows]
            if gone:
                conn.execute(
                    sa.update(table).where(*cond, table.c.id.in_([g[0] for g in gone])).values(deleted_at=now)
                )
                result.deleted += len(gone)
                result.changes.extend(("deleted", raw) for _, raw in gone)
        return result

    def _mark_fetched(
        self, conn: sa.Connection, connection_id: str, stream: str, parent_ids: Sequence[str], at: datetime
    ) -> None:
        rows = [
            {"connection_id": connection_id, "stream": stream, "parent_id": p, "fetched_at": at}
            for p in parent_ids
        ]
        queries.upsert(conn, child_fetches, rows, update=["fetched_at"])

    def replace_children(
        self,
        connection_id: str,
        stream: str,
        kind: str,
        parent_id: str,
        records: Sequence[dict[str, Any]],
        *,
        fetched_at: datetime | None = None,
    ) -> UpsertResult:
        """A parent's children listed whole (a lazy read): stored, the ones it no longer lists
        marked deleted, and the fetch remembered, in one transaction (no sync state touched)."""
        now = fetched_at or utcnow()
        with self.transaction() as conn:
            result = self._upsert(conn, connection_id, kind, records, now, parent_id)
            for gone in self._mark_unseen(conn, connection_id, kind, now, parent_id):
                result.deleted += 1
                result.changes.append(("deleted", gone))
            self._mark_fetched(conn, connection_id, stream, [parent_id], now)
        return result

    def children_fetched_at(self, connection_id: str, stream: str, parent_id: str) -> datetime | None:
        """When a parent's children of ``stream`` were last listed whole (None: never)."""
        with self.engine.connect() as conn:
            value = conn.execute(
                sa.select(child_fetches.c.fetched_at).where(
                    child_fetches.c.connection_id == connection_id,
                    child_fetches.c.stream == stream,
                    child_fetches.c.parent_id == parent_id,
                )
            ).scalar()
        return value

    def mark_deleted(
        self, connection_id: str, kind: str, ids: Sequence[str], *, at: datetime | None = None
    ) -> int:
        """Mark records deleted (kept, with ``deleted_at``): webhooks and reconcile use this."""
        table = record_table(kind)
        count = 0
        with self._writing(connection_id) as conn:
            for start in range(0, len(ids), _CHUNK):
                chunk = list(ids[start : start + _CHUNK])
                res = conn.execute(
                    sa.update(table)
                    .where(table.c.connection_id == connection_id, table.c.id.in_(chunk))
                    .where(table.c.deleted_at.is_(None))
                    .values(deleted_at=at or utcnow(), changed_at=utcnow())
                )
                count += res.rowcount
        return count

    def _mark_unseen(
        self, conn: sa.Connection, connection_id: str, kind: str, before: datetime, parent_id: str | None
    ) -> list[dict[str, Any]]:
        table = record_table(kind)
        cond = [
            table.c.connection_id == connection_id,
            table.c.deleted_at.is_(None),
            table.c.synced_at < before,
        ]
        if parent_id is not None:
            cond.append(table.c.parent_id == parent_id)
        gone = [dict(r.raw) for r in conn.execute(sa.select(table.c.raw).where(*cond))]
        if gone:
            now = utcnow()
            # A deletion is a change: readers that follow changed_at (core.insights) see it.
            conn.execute(sa.update(table).where(*cond).values(deleted_at=now, changed_at=now))
        return gone

    def get(
        self, connection_id: str, kind: str, id: str, *, include_deleted: bool = False
    ) -> dict[str, Any] | None:
        """The raw Ashby record, or None."""
        row = self.get_record(connection_id, kind, id)
        if row is None or (row.deleted_at is not None and not include_deleted):
            return None
        return row.raw

    def find_holders(self, connection_id: str, kind: str, piece_id: str) -> builtins.list[StoredRecord]:
        """The stored records of ``kind`` holding the piece ``piece_id`` (a candidate's file)."""
        with self.engine.connect() as conn:
            ids = pieces.holder_ids(conn, connection_id, kind, piece_id)
        found = (self.get_record(connection_id, kind, rid) for rid in ids)
        return [record for record in found if record is not None]

    def get_record(
        self, connection_id: str, kind: str, id: str, *, parent_id: str | None = None
    ) -> StoredRecord | None:
        """One record; for a linked kind (one row per parent) the link under ``parent_id``, or the
        most recently changed link when no parent is named."""
        query = queries.one_record(kind, by_parent=parent_id is not None)
        params = {"connection_id": connection_id, "id": id}
        if parent_id is not None:
            params["parent_id"] = parent_id
        with _engine.reading(self.engine) as conn:
            row = conn.execute(query, params).first()
        return queries.stored(row) if row is not None else None

    def narrowed_keys(
        self,
        connection_id: str,
        kind: str,
        narrowing: queries.Narrowing,
        after_id: str | None,
        limit: int,
    ) -> tuple[builtins.list[queries.RowKey], str | None]:
        """A page's row keys (id, parent, version), as ``queries.narrowed_keys``."""
        return queries.narrowed_keys(self.engine, connection_id, kind, narrowing, after_id, limit)

    def record_key(self, connection_id: str, kind: str, ident: str) -> tuple[queries.RowKey, bool] | None:
        """The key of the record ``get_record`` reads and whether it is deleted (``queries.record_key``)."""
        return queries.record_key(self.engine, connection_id, kind, ident)

    def hashed_records(
        self, connection_id: str, kind: str, ids: Sequence[str], *, with_raw: bool
    ) -> builtins.list[queries.HashedRecord]:
        """The rows of ``ids`` with their versions, as ``queries.hashed_records``."""
        return queries.hashed_records(self.engine, connection_id, kind, ids, with_raw=with_raw)

    def get_records(
        self, connection_id: str, kind: str, ids: Sequence[str]
    ) -> builtins.dict[str, StoredRecord]:
        """The records of ``ids`` that exist (deleted ones included), by id, in one query per
        chunk; for a linked kind, each id's most recently changed link (as ``get_record``)."""
        table = record_table(kind)
        found: dict[str, StoredRecord] = {}
        with _engine.reading(self.engine) as conn:
            for start in range(0, len(ids), _CHUNK):
                chunk = list(ids[start : start + _CHUNK])
                query = (
                    sa.select(table)
                    .where(table.c.connection_id == connection_id, table.c.id.in_(chunk))
                    .order_by(table.c.changed_at)
                )
                for row in conn.execute(query):
                    record = queries.stored(row)
                    found[record.id] = record  # ordered by change: the last link wins
        return found

    def list(
        self,
        connection_id: str,
        kind: str,
        *,
        updated_after: datetime | None = None,
        cursor: str | None = None,
        limit: int = 100,
        filters: dict[str, Any] | None = None,
        include_deleted: bool = False,
        parent_id: str | None = None,
    ) -> RecordPage:
        """Records in id order, ``limit`` at a time; pass ``next_cursor`` back for the next page.

        ``filters`` compare top-level fields of the raw record for equality (strings, booleans).
        """
        table = record_table(kind)
        query = sa.select(table).where(table.c.connection_id == connection_id)
        if not include_deleted:
            query = query.where(table.c.deleted_at.is_(None))
        if updated_after is not None:
            query = query.where(table.c.updated_at > updated_after)
        if parent_id is not None:
            query = query.where(table.c.parent_id == parent_id)
        query = query.where(*queries.record_filters(table, filters or {}))
        linked = kind in LINKED_CHILDREN
        if cursor:
            if linked:
                # A linked table holds one row per (id, parent): page through both.
                last_id, last_parent = _decode_cursor(cursor, 2)
                query = query.where(
                    sa.or_(
                        table.c.id > last_id,
                        sa.and_(table.c.id == last_id, table.c.parent_id > last_parent),
                    )
                )
            else:
                (after,) = _decode_cursor(cursor, 1)
                query = query.where(table.c.id > after)
        order = (table.c.id, table.c.parent_id) if linked else (table.c.id,)
        query = query.order_by(*order).limit(limit + 1)
        with _engine.reading(self.engine) as conn:
            rows = [queries.stored(r) for r in conn.execute(query)]
        more = len(rows) > limit
        rows = rows[:limit]
        if not (more and rows):
            return RecordPage(rows, None)
        last = rows[-1]
        key = (last.id, last.parent_id or "") if linked else (last.id,)
        return RecordPage(rows, cursors.encode(*key))

    def iter_ids(
        self,
        connection_id: str,
        kind: str,
        *,
        changed_since: datetime | None = None,
        after_id: str | None = None,
        nonempty: str | None = None,
    ) -> Iterator[str]:
        """Ids of live records in id order (changed since an instant, after an id, whose field
        ``nonempty`` holds something): child syncs."""
        table = record_table(kind)
        last = after_id
        while True:
            query = sa.select(table.c.id).where(
                table.c.connection_id == connection_id, table.c.deleted_at.is_(None)
            )
            if nonempty is not None:
                query = query.where(*_nonempty(table, nonempty))
            if changed_since is not None:
                query = query.where(table.c.changed_at >= changed_since)
            if last is not None:
                query = query.where(table.c.id > last)
            with self.engine.connect() as conn:
                ids = list(conn.execute(query.order_by(table.c.id).limit(1000)).scalars())
            if not ids:
                return
            yield from ids
            last = ids[-1]

    def count(
        self,
        connection_id: str,
        kind: str,
        *,
        include_deleted: bool = False,
        changed_since: datetime | None = None,
        nonempty: str | None = None,
        after_id: str | None = None,
    ) -> int:
        """Live records (as ``iter_ids`` selects them): the plan's and the progress's totals."""
        table = record_table(kind)
        query = sa.select(sa.func.count()).select_from(table).where(table.c.connection_id == connection_id)
        if not include_deleted:
            query = query.where(table.c.deleted_at.is_(None))
        if changed_since is not None:
            query = query.where(table.c.changed_at >= changed_since)
        if nonempty is not None:
            query = query.where(*_nonempty(table, nonempty))
        if after_id is not None:
            query = query.where(table.c.id > after_id)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    # -- sync state ------------------------------------------------------------------------------

    def get_stream_state(self, connection_id: str, stream: str) -> StreamState:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(sync_state).where(
                    sync_state.c.connection_id == connection_id, sync_state.c.stream == stream
                )
            ).first()
        if row is None:
            return StreamState(connection_id, stream)
        return StreamState(**row._asdict())

    def stream_states(self, connection_id: str) -> builtins.list[StreamState]:
        with self.engine.connect() as conn:
            streams = conn.execute(
                sa.select(sync_state.c.stream).where(sync_state.c.connection_id == connection_id)
            ).scalars()
            names = sorted(streams)
        return [self.get_stream_state(connection_id, s) for s in names]

    def _write_state(
        self, conn: sa.Connection, connection_id: str, stream: str, values: dict[str, Any]
    ) -> None:
        row = {"connection_id": connection_id, "stream": stream, **values}
        queries.upsert(conn, sync_state, [row], update=list(values))

    def begin_run(
        self,
        connection_id: str,
        stream: str,
        mode: str,
        *,
        run_sync_token: str | None = None,
        started_at: datetime | None = None,
    ) -> StreamState:
        """Record the start of a run (its mode, and the token it resumes from if incremental)."""
        with self._writing(connection_id) as conn:
            self._write_state(
                conn,
                connection_id,
                stream,
                {
                    "run_mode": mode,
                    "run_sync_token": run_sync_token,
                    "cursor": None,
                    "run_started_at": started_at or utcnow(),
                    "run_fetched": 0,
                    "run_changed": 0,
                    "run_pages": 0,
                },
            )
        return self.get_stream_state(connection_id, stream)

    def save_page(
        self,
        connection_id: str,
        stream: str,
        kind: str,
        records: Sequence[dict[str, Any]],
        next_cursor: str | None,
        *,
        parent_id: str | None = None,
        synced_at: datetime | None = None,
        reconcile: ReconcileScope | None = None,
        finish: bool = False,
        sync_token: str | None = None,
        parent_watermark: datetime | None = None,
        embedded: tuple[str, str] | None = None,
    ) -> UpsertResult:
        """Store one page and the checkpoint to resume after it, in one transaction.

        ``reconcile="parent"`` marks the parent's children not seen in this run deleted (the
        parent's last page) and records when this parent's children were fetched;
        ``finish=True`` ends the run and saves ``sync_token`` in the same transaction as the last
        page, so a token is never saved ahead of its records. ``embedded=(kind, field)`` also
        stores the children each record embeds under ``field`` as ``kind`` records (their
        result is ``result.embedded``); children a parent no longer embeds are marked deleted.
        """
        now = synced_at or utcnow()
        with self._writing(connection_id) as conn:
            result = self._upsert(conn, connection_id, kind, records, now, parent_id)
            if embedded is not None:
                result.embedded = self._save_embedded(conn, connection_id, records, embedded, now)
            if reconcile == "parent" and parent_id is not None:
                self._mark_fetched(conn, connection_id, stream, [parent_id], now)
            if not finish and not reconcile:
                # The common page: advance the checkpoint with one statement.
                added = result.inserted + result.changed
                dialect = self.dialect
                if queries.advance(conn, dialect, connection_id, stream, next_cursor, len(records), added):
                    return result
            state = self._locked_state(conn, connection_id, stream)
            started = state["run_started_at"] if state else None
            if reconcile and started is not None:
                scope_parent = parent_id if reconcile == "parent" else None
                if reconcile == "all" or parent_id is not None:
                    for gone in self._mark_unseen(conn, connection_id, kind, started, scope_parent):
                        result.deleted += 1
                        result.changes.append(("deleted", gone))
            fetched = (state["run_fetched"] if state else 0) + len(records)
            changed = (
                (state["run_changed"] if state else 0) + result.inserted + result.changed + result.deleted
            )
            values: dict[str, Any] = {
                "cursor": next_cursor,
                "run_fetched": fetched,
                "run_changed": changed,
                "run_pages": (state["run_pages"] if state else 0) + 1,
            }
            if finish:
                values.update(self._finish_values(state, sync_token, now, fetched, changed, parent_watermark))
            self._write_state(conn, connection_id, stream, values)
        return result

    def finish_stream(
        self,
        connection_id: str,
        stream: str,
        sync_token: str | None,
        *,
        kind: str | None = None,
        reconcile: bool = False,
        parent_watermark: datetime | None = None,
    ) -> UpsertResult:
        """End the run: save the new token, clear the cursor; ``reconcile`` marks unseen deleted."""
        result = UpsertResult()
        now = utcnow()
        with self._writing(connection_id) as conn:
            state = self._locked_state(conn, connection_id, stream)
            started = state["run_started_at"] if state else None
            if reconcile and kind is not None and started is not None:
                for gone in self._mark_unseen(conn, connection_id, kind, started, None):
                    result.deleted += 1
                    result.changes.append(("deleted", gone))
            fetched = state["run_fetched"] if state else 0
            changed = (state["run_changed"] if state else 0) + result.deleted
            values = self._finish_values(state, sync_token, now, fetched, changed, parent_watermark)
            values["cursor"] = None
            self._write_state(conn, connection_id, stream, values)
        return result

    @staticmethod
    def _finish_values(
        state: Any,
        sync_token: str | None,
        now: datetime,
        fetched: int,
        changed: int,
        parent_watermark: datetime | None,
    ) -> dict[str, Any]:
        values: dict[str, Any] = {
            "sync_token": sync_token,
            "run_mode": None,
            "run_sync_token": None,
            "run_started_at": None,
            "last_success_at": now,
            "last_fetched": fetched,
            "last_changed": changed,
            "last_error": None,
        }
        if state is not None and state["run_mode"] == "full":
            values["last_full_sync_at"] = now
        if parent_watermark is not None:
            values["parent_watermark"] = parent_watermark
        return values

    def _locked_state(self, conn: sa.Connection, connection_id: str, stream: str) -> Any:
        query = sa.select(sync_state).where(
            sync_state.c.connection_id == connection_id, sync_state.c.stream == stream
        )
        if self.dialect == "postgresql":
            query = query.with_for_update()
        row = conn.execute(query).first()
        return row._mapping if row is not None else None

    def reset_stream(self, connection_id: str, stream: str) -> None:
        """Forget the token and any unfinished run: the next run is a full sync."""
        with self._writing(connection_id) as conn:
            self._write_state(
                conn,
                connection_id,
                stream,
                {
                    "sync_token": None,
                    "run_mode": None,
                    "run_sync_token": None,
                    "cursor": None,
                    "run_started_at": None,
                    "parent_watermark": None,
                },
            )

    def fail_stream(self, connection_id: str, stream: str, error: str) -> None:
        """Remember why a run stopped; its cursor stays so the next run resumes."""
        with self._writing(connection_id) as conn:
            self._write_state(conn, connection_id, stream, {"last_error": error[:2000]})


def _nonempty(table: sa.Table, field_name: str) -> list[sa.ColumnElement[bool]]:
    value = table.c.raw[field_name].as_string()
    return [value.is_not(None), value != ""]


def _older(incoming: Any, stored: Any) -> bool:
    """The incoming ``updated_at`` is strictly before the stored one (same dialect format: text
    in SQLite's fixed-width layout, aware datetimes on PostgreSQL); unknown on either side: no."""
    if incoming is None or stored is None:
        return False
    if isinstance(stored, datetime) and isinstance(incoming, datetime):
        return bool(incoming < stored)
    return str(incoming) < str(stored)


def _decode_cursor(cursor: str, parts: int) -> tuple[str, ...]:
    try:
        return cursors.decode(cursor, parts=parts)
    except cursors.BadCursorError as exc:
        raise StoreError(f"invalid cursor {cursor!r}") from exc
