"""``Store``: records and sync state over SQLAlchemy Core, the same code on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import builtins
import hashlib
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa

from ashby_connector.store import engine as _engine
from ashby_connector.store import queries
from ashby_connector.store.errors import StoreError
from ashby_connector.store.records import StoredRecord, as_utc, canonical, record_id
from ashby_connector.store.schema import record_table, sync_state

Change = Literal["created", "updated", "deleted"]
ReconcileScope = Literal["all", "parent"]

_CHUNK = 500  # ids per IN (...) clause: well under SQLite's variable limit


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class UpsertResult:
    """What one batch did to the store; ``changes`` lists created/updated records only."""

    inserted: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    changes: list[tuple[Change, dict[str, Any]]] = field(default_factory=list)

    def __iadd__(self, other: UpsertResult) -> UpsertResult:
        self.inserted += other.inserted
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.deleted += other.deleted
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

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        # SQLite has one writer: serialising writes here avoids busy-waiting in the driver.
        self._write_lock: threading.Lock | None = threading.Lock() if self.dialect == "sqlite" else None

    # -- lifecycle -------------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str = _engine.DEFAULT_URL, *, migrate: bool = True) -> Store:
        """Open (creating if needed) and migrate to every branch head. Raises ``StoreError``."""
        engine = _engine.create_engine(url)
        if migrate:
            try:
                _engine.upgrade(engine)
            except BaseException:
                engine.dispose()
                raise
        return cls(engine)

    def close(self) -> None:
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
        """One write transaction; other parts may use it to join their tables' writes."""
        lock = self._write_lock or nullcontext()
        with lock:
            try:
                with self.engine.begin() as conn:
                    yield conn
            except sa.exc.OperationalError as exc:
                raise StoreError(f"cannot write to {self.url}: {str(exc.orig).strip()}") from exc

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
        with self.transaction() as conn:
            return self._upsert(conn, connection_id, kind, records, synced_at or utcnow(), parent_id)

    def _upsert(
        self,
        conn: sa.Connection,
        connection_id: str,
        kind: str,
        records: Sequence[dict[str, Any]],
        synced_at: datetime,
        parent_id: str | None,
    ) -> UpsertResult:
        table = record_table(kind)
        name = table.name
        dialect = self.dialect
        result = UpsertResult()
        rows: dict[str, tuple[dict[str, Any], tuple[Any, ...]]] = {}
        at = queries.ts(dialect, synced_at)
        for record in records:
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
        known: dict[str, tuple[str, bool]] = {}
        ids = list(rows)
        for start in range(0, len(ids), _CHUNK):
            known.update(queries.existing(conn, dialect, name, connection_id, ids[start : start + _CHUNK]))
        writes: list[tuple[Any, ...]] = []
        touched: list[str] = []
        for rid, (record, row) in rows.items():
            old = known.get(rid)
            if old is None:
                result.inserted += 1
                result.changes.append(("created", record))
                writes.append(row)
            elif old[0] != row[4] or old[1]:
                # Changed, or seen again after being marked deleted: both are news to a reader.
                result.changed += 1
                result.changes.append(("created" if old[1] else "updated", record))
                writes.append(row)
            else:
                result.unchanged += 1
                touched.append(rid)
        if writes:
            queries.write_records(conn, dialect, name, writes)
        for start in range(0, len(touched), _CHUNK):
            queries.touch(conn, dialect, name, connection_id, touched[start : start + _CHUNK], at)
        return result

    def mark_deleted(
        self, connection_id: str, kind: str, ids: Sequence[str], *, at: datetime | None = None
    ) -> int:
        """Mark records deleted (kept, with ``deleted_at``): webhooks and reconcile use this."""
        table = record_table(kind)
        count = 0
        with self.transaction() as conn:
            for start in range(0, len(ids), _CHUNK):
                chunk = list(ids[start : start + _CHUNK])
                res = conn.execute(
                    sa.update(table)
                    .where(table.c.connection_id == connection_id, table.c.id.in_(chunk))
                    .where(table.c.deleted_at.is_(None))
                    .values(deleted_at=at or utcnow())
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
            conn.execute(sa.update(table).where(*cond).values(deleted_at=utcnow()))
        return gone

    def get(
        self, connection_id: str, kind: str, id: str, *, include_deleted: bool = False
    ) -> dict[str, Any] | None:
        """The raw Ashby record, or None."""
        row = self.get_record(connection_id, kind, id)
        if row is None or (row.deleted_at is not None and not include_deleted):
            return None
        return row.raw

    def get_record(self, connection_id: str, kind: str, id: str) -> StoredRecord | None:
        table = record_table(kind)
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(table).where(table.c.connection_id == connection_id, table.c.id == id)
            ).first()
        return queries.stored(row) if row is not None else None

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
        if cursor:
            query = query.where(table.c.id > _decode_cursor(cursor))
        query = query.order_by(table.c.id).limit(limit + 1)
        with self.engine.connect() as conn:
            rows = [queries.stored(r) for r in conn.execute(query)]
        more = len(rows) > limit
        rows = rows[:limit]
        return RecordPage(rows, _encode_cursor(rows[-1].id) if more and rows else None)

    def iter_ids(
        self,
        connection_id: str,
        kind: str,
        *,
        changed_since: datetime | None = None,
        after_id: str | None = None,
    ) -> Iterator[str]:
        """Ids of live records in id order (changed since an instant, after an id): child syncs."""
        table = record_table(kind)
        last = after_id
        while True:
            query = sa.select(table.c.id).where(
                table.c.connection_id == connection_id, table.c.deleted_at.is_(None)
            )
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

    def count(self, connection_id: str, kind: str, *, include_deleted: bool = False) -> int:
        table = record_table(kind)
        query = sa.select(sa.func.count()).select_from(table).where(table.c.connection_id == connection_id)
        if not include_deleted:
            query = query.where(table.c.deleted_at.is_(None))
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
        data = row._asdict()
        for key in ("run_started_at", "parent_watermark", "last_full_sync_at", "last_success_at"):
            data[key] = as_utc(data[key])
        return StreamState(**data)

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
        with self.transaction() as conn:
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
    ) -> UpsertResult:
        """Store one page and the checkpoint to resume after it, in one transaction.

        ``reconcile="parent"`` marks the parent's children not seen in this run deleted (the
        parent's last page); ``finish=True`` ends the run and saves ``sync_token`` in the same
        transaction as the last page, so a token is never saved ahead of its records.
        """
        now = synced_at or utcnow()
        with self.transaction() as conn:
            result = self._upsert(conn, connection_id, kind, records, now, parent_id)
            if not finish and not reconcile:
                # The common page: advance the checkpoint with one statement.
                added = result.inserted + result.changed
                dialect = self.dialect
                if queries.advance(conn, dialect, connection_id, stream, next_cursor, len(records), added):
                    return result
            state = self._locked_state(conn, connection_id, stream)
            started = as_utc(state["run_started_at"]) if state else None
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
        with self.transaction() as conn:
            state = self._locked_state(conn, connection_id, stream)
            started = as_utc(state["run_started_at"]) if state else None
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
        with self.transaction() as conn:
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
        with self.transaction() as conn:
            self._write_state(conn, connection_id, stream, {"last_error": error[:2000]})


def _encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode()


def _decode_cursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except ValueError as exc:
        raise StoreError(f"invalid cursor {cursor!r}") from exc
