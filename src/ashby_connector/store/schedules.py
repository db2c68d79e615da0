"""The queries over schedules (``sync_schedule``) and schedulers' heartbeats
(``scheduler_heartbeat``). What a schedule means and how a due run is claimed lives in
``core.freshness.schedules``; this module reads and writes the rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from ashby_connector.store.freshness import scheduler_heartbeat, sync_schedule
from ashby_connector.store.overview import schedule_rows
from ashby_connector.store.repository import Store
from ashby_connector.store.wakeups import SCHEDULES

# Heartbeats of schedulers gone this long are only clutter.
FORGET_SCHEDULERS_AFTER_SECONDS = 86400.0


class ScheduleRows:
    """Rows of ``sync_schedule``: one per connection that has a schedule."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, connection_id: str) -> Mapping[str, Any] | None:
        with self.store.engine.connect() as conn:
            row = conn.execute(
                sa.select(sync_schedule).where(sync_schedule.c.connection_id == connection_id)
            ).first()
        return None if row is None else dict(row._mapping)

    def of_connections(self, connection_ids: Sequence[str]) -> dict[str, Mapping[str, Any]]:
        """The stored rows of these connections, in one query."""
        return {c: dict(row._mapping) for c, row in schedule_rows(self.store.engine, connection_ids).items()}

    def all(self) -> list[Mapping[str, Any]]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(sync_schedule).order_by(sync_schedule.c.connection_id))
            return [dict(r._mapping) for r in rows]

    def connection_ids(self) -> set[str]:
        with self.store.engine.connect() as conn:
            return set(conn.execute(sa.select(sync_schedule.c.connection_id)).scalars())

    def add(self, values: Mapping[str, Any]) -> bool:
        """Add a connection's row; False when another process added it first."""
        try:
            with self.store.transaction() as conn:
                conn.execute(sa.insert(sync_schedule).values(**values))
            return True
        except sa.exc.IntegrityError:
            return False

    def save(self, values: Mapping[str, Any]) -> None:
        """Write a connection's row (insert or replace), and wake every scheduler and fast lane."""
        with self.store.transaction() as conn:
            done = conn.execute(
                sa.update(sync_schedule)
                .where(sync_schedule.c.connection_id == values["connection_id"])
                .values(**values)
            ).rowcount
            if not done:
                conn.execute(sa.insert(sync_schedule).values(**values))
            self.store.wakeups.notify(conn, SCHEDULES)
        self.store.wakeups.ring(SCHEDULES)

    def change(self, connection_id: str, **values: Any) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                sa.update(sync_schedule)
                .where(sync_schedule.c.connection_id == connection_id)
                .values(**values)
            )

    def change_if_unchanged(self, connection_id: str, field: str, seen: float, **values: Any) -> bool:
        """Compare-and-set: write ``values`` only if ``field`` still holds ``seen``. Of any number of
        processes doing this with the same ``seen``, exactly one gets True."""
        with self.store.transaction() as conn:
            won = conn.execute(
                sa.update(sync_schedule)
                .where(sync_schedule.c.connection_id == connection_id, sync_schedule.c[field] == seen)
                .values(**values)
            ).rowcount
        return bool(won)


class SchedulerBeats:
    """Rows of ``scheduler_heartbeat``: when each scheduler last ticked (epoch seconds)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def beat(self, holder: str, now: float) -> None:
        with self.store.transaction() as conn:
            done = conn.execute(
                sa.update(scheduler_heartbeat)
                .where(scheduler_heartbeat.c.holder == holder)
                .values(beat_at=now)
            ).rowcount
            conn.execute(
                sa.delete(scheduler_heartbeat).where(
                    scheduler_heartbeat.c.beat_at < now - FORGET_SCHEDULERS_AFTER_SECONDS
                )
            )
        if not done:
            with self.store.transaction() as conn:
                conn.execute(sa.insert(scheduler_heartbeat).values(holder=holder, beat_at=now))

    def latest(self) -> float | None:
        """The newest beat of any scheduler."""
        with self.store.engine.connect() as conn:
            latest = conn.execute(sa.select(sa.func.max(scheduler_heartbeat.c.beat_at))).scalar()
        return None if latest is None else float(latest)
