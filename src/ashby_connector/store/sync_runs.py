"""The queries over sync runs: their history (``sync_run``) and the lease that keeps one running
per connection (``sync_lease``). What a run and a lease mean lives in ``core.syncs.history``; this
module only reads and writes their rows.

A run row comes back as a plain mapping keyed by the Python names (``holder``: the process that ran
it, the same word as the lease's); times are zone-aware UTC (``schema.UtcDateTime``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ashby_connector.store.freshness import sync_lease, sync_run
from ashby_connector.store.repository import Store
from ashby_connector.store.schema import sync_state

RunValues = Mapping[str, Any]


# A run in one of these has not finished; every other status (succeeded, failed, interrupted,
# cancelled, ...) is final.
UNFINISHED = frozenset({"queued", "running"})


def is_finished(status: str) -> bool:
    """Whether a run with this status is over (its lease is let go in a moment)."""
    return status not in UNFINISHED


def run_values(row: Any) -> dict[str, Any]:
    """A ``sync_run`` row as a mapping of the Python names."""
    return dict(row._mapping)


class SyncRunRows:
    """Rows of ``sync_run``: one per run, whoever started it."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(
        self,
        *,
        run_id: str,
        connection_id: str,
        trigger: str,
        mode: str,
        status: str,
        streams: list[str] | None,
        created_at: datetime,
        mode_when_never_synced: str | None = None,
    ) -> None:
        """Add a run. ``mode_when_never_synced``: the mode to record instead of ``mode`` when no list
        of the connection was ever synced (checked in the same transaction)."""
        with self.store.transaction() as conn:
            if mode_when_never_synced is not None and _never_synced(conn, connection_id):
                mode = mode_when_never_synced
            conn.execute(
                sa.insert(sync_run).values(
                    id=run_id,
                    connection_id=connection_id,
                    trigger=trigger,
                    mode=mode,
                    status=status,
                    streams=streams,
                    created_at=created_at,
                )
            )

    def change(self, run_id: str, **values: Any) -> None:
        """Set some of a run's fields (by their Python names)."""
        with self.store.transaction() as conn:
            conn.execute(sa.update(sync_run).where(sync_run.c.id == run_id).values(**values))

    def delete(self, run_id: str) -> None:
        with self.store.transaction() as conn:
            conn.execute(sa.delete(sync_run).where(sync_run.c.id == run_id))

    def get(self, run_id: str, connection_ids: list[str] | None = None) -> dict[str, Any] | None:
        query = sa.select(sync_run).where(sync_run.c.id == run_id)
        if connection_ids is not None:
            query = query.where(sync_run.c.connection_id.in_(connection_ids))
        with self.store.engine.connect() as conn:
            row = conn.execute(query).first()
        return run_values(row) if row else None

    def latest(self, connection_id: str, *, status: str | None = None) -> dict[str, Any] | None:
        query = sa.select(sync_run).where(sync_run.c.connection_id == connection_id)
        if status is not None:
            query = query.where(sync_run.c.status == status)
        with self.store.engine.connect() as conn:
            row = conn.execute(
                query.order_by(sync_run.c.created_at.desc(), sync_run.c.id.desc()).limit(1)
            ).first()
        return run_values(row) if row else None

    def newest_first(
        self,
        connection_ids: list[str],
        *,
        limit: int,
        before: tuple[datetime, str] | None = None,
        status: str | None = None,
        trigger: str | None = None,
    ) -> list[dict[str, Any]]:
        """Up to ``limit`` runs of these connections, newest first; ``before``: the (created_at, id)
        of the last run of the previous page."""
        query = sa.select(sync_run).where(sync_run.c.connection_id.in_(connection_ids))
        if status is not None:
            query = query.where(sync_run.c.status == status)
        if trigger is not None:
            query = query.where(sync_run.c.trigger == trigger)
        if before is not None:
            created, last_id = before
            query = query.where(
                sa.or_(
                    sync_run.c.created_at < created,
                    sa.and_(sync_run.c.created_at == created, sync_run.c.id < last_id),
                )
            )
        query = query.order_by(sync_run.c.created_at.desc(), sync_run.c.id.desc()).limit(limit)
        with self.store.engine.connect() as conn:
            return [run_values(r) for r in conn.execute(query)]

    def interrupt_orphans(
        self,
        *,
        now: float,
        queued_before: datetime | None,
        keep: Iterable[str],
        finished_at: datetime,
        reason: str,
    ) -> int:
        """Mark ``running`` runs without a live lease of their own (``now``: epoch seconds) as
        ``interrupted``; with ``queued_before``, ``queued`` runs created before it too. ``keep``: run
        ids left alone. Returns how many were marked."""
        r = sync_run
        live = sa.exists().where(sync_lease.c.run_id == r.c.id, sync_lease.c.expires_at >= now)
        orphan = sa.and_(r.c.status == "running", ~live)
        if queued_before is not None:
            orphan = sa.or_(orphan, sa.and_(r.c.status == "queued", r.c.created_at < queued_before, ~live))
        kept = sorted(keep)
        if kept:
            orphan = sa.and_(orphan, r.c.id.not_in(kept))
        with self.store.engine.connect() as conn:
            found = conn.execute(sa.select(r.c.id).where(orphan).limit(1)).first()
        if found is None:
            return 0  # the usual case: no write (every process sweeps on every tick)
        values = {"status": "interrupted", "finished_at": finished_at, "error": reason}
        with self.store.transaction() as conn:
            return int(conn.execute(sa.update(r).where(orphan).values(**values)).rowcount or 0)


def _never_synced(conn: sa.Connection, connection_id: str) -> bool:
    """No list of the connection was ever synced (no syncToken or run state stored)."""
    query = sa.select(sync_state.c.stream).where(sync_state.c.connection_id == connection_id).limit(1)
    return conn.execute(query).first() is None


@dataclass(frozen=True)
class LeaseRow:
    holder: str
    run_id: str | None
    expires_at: float  # epoch seconds


class SyncLeaseRows:
    """Rows of ``sync_lease``: at most one per connection."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def take(
        self, connection_id: str, holder: str, run_id: str | None, *, now: float, expires_at: float
    ) -> bool:
        """Take the connection's lease if it is free or expired at ``now``: atomic on SQLite and
        PostgreSQL alike (take an expired row, else insert; a live row makes the insert fail)."""
        with self.store.transaction() as conn:
            taken = conn.execute(
                sa.update(sync_lease)
                .where(sync_lease.c.connection_id == connection_id, sync_lease.c.expires_at < now)
                .values(holder=holder, run_id=run_id, expires_at=expires_at)
            ).rowcount
        if taken:
            return True
        try:
            with self.store.transaction() as conn:
                conn.execute(
                    sa.insert(sync_lease).values(
                        connection_id=connection_id, holder=holder, run_id=run_id, expires_at=expires_at
                    )
                )
            return True
        except sa.exc.IntegrityError:  # held, and not expired
            return False

    def renew(self, connection_id: str, holder: str, *, expires_at: float) -> bool:
        """False when ``holder`` no longer holds the lease."""
        with self.store.transaction() as conn:
            return bool(
                conn.execute(
                    sa.update(sync_lease)
                    .where(sync_lease.c.connection_id == connection_id, sync_lease.c.holder == holder)
                    .values(expires_at=expires_at)
                ).rowcount
            )

    def release(self, connection_id: str, holder: str) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                sa.delete(sync_lease).where(
                    sync_lease.c.connection_id == connection_id, sync_lease.c.holder == holder
                )
            )

    def current(self, connection_id: str) -> LeaseRow | None:
        """The connection's lease row, expired or not."""
        with self.store.engine.connect() as conn:
            row = conn.execute(
                sa.select(sync_lease.c.holder, sync_lease.c.run_id, sync_lease.c.expires_at).where(
                    sync_lease.c.connection_id == connection_id
                )
            ).first()
        if row is None:
            return None
        return LeaseRow(str(row.holder), str(row.run_id) if row.run_id else None, float(row.expires_at))

    def live_connections(self, now: float) -> set[str]:
        """The connections whose lease has not expired at ``now``."""
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                sa.select(sync_lease.c.connection_id).where(sync_lease.c.expires_at >= now)
            ).scalars()
            return set(rows)
