"""The durable inbox: an Ashby webhook is written here before the 2xx, processed afterwards."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from ashby_connector.store.engine import Begin
from ashby_connector.store.errors import StoreError
from ashby_connector.store.queries import earliest_due
from ashby_connector.store.schema_webhooks import webhook_connection, webhook_inbox
from ashby_connector.store.wakeups import INBOX, Wakeups
from ashby_connector.webhooks.envelope import InboundEvent


@dataclass(frozen=True, slots=True)
class InboxRow:
    seq: int
    connection_id: str
    webhook_action_id: str
    action: str
    body: str
    attempts: int


# The columns an accepted event sets; the rest take their defaults.
_COLUMNS = "connection_id, webhook_action_id, action, body, received_at, status, attempts, next_attempt_at"
_ACCEPT_SQLITE = (
    f"INSERT INTO webhook_inbox ({_COLUMNS}) SELECT ?, ?, ?, ?, ?, 'pending', 0, 0.0 "
    "WHERE EXISTS (SELECT 1 FROM webhook_connection WHERE connection_id = ?) "
    "ON CONFLICT DO NOTHING RETURNING seq"
)
_ACCEPT_PG = (
    f"WITH accepted AS (INSERT INTO webhook_inbox ({_COLUMNS}) "
    "SELECT %s, %s, %s, %s, %s, 'pending', 0, 0.0 FROM webhook_connection "
    "WHERE connection_id = %s FOR SHARE "
    "ON CONFLICT DO NOTHING RETURNING seq) "
    f"SELECT seq, pg_notify('{INBOX}', '') FROM accepted"
)


class Inbox:
    def __init__(
        self,
        engine: sa.Engine,
        *,
        clock: Callable[[], float] = time.time,
        begin: Begin | None = None,
        wakeups: Wakeups | None = None,
    ) -> None:
        self.engine = engine
        self.begin: Begin = begin or engine.begin
        self.clock = clock
        self.wakeups = wakeups or Wakeups(engine)

    def accept(self, connection_id: str, event: InboundEvent, body: bytes) -> bool | None:
        """Store the event; False when it was already there (a redelivery), None when the
        connection has no webhooks (any more: deleted, in this process or another).

        One statement, its own short transaction: the row is inserted only while the connection is
        registered (on PostgreSQL its row is share-locked, so a delete waits for this write) and
        the NOTIFY for processors in other processes goes with it. Only when nothing was inserted
        does a second read tell a redelivery from a connection gone.
        """
        params = (
            connection_id,
            event.webhook_action_id,
            event.action,
            body.decode("utf-8", errors="replace"),
            self.clock(),
            connection_id,
        )
        if self.engine.dialect.name == "postgresql":
            # In autocommit the one statement is its own transaction (the insert, the share lock,
            # the NOTIFY at its commit): one round trip where BEGIN, it and COMMIT took three.
            try:
                with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    inserted = conn.exec_driver_sql(_ACCEPT_PG, params).first()
                    if inserted is None and not self._registered(conn, connection_id):
                        return None
            except sa.exc.OperationalError as exc:
                url = self.engine.url.render_as_string(hide_password=True)
                raise StoreError(f"cannot write to {url}: {str(exc.orig).strip()}") from exc
        else:
            with self.begin() as conn:
                inserted = conn.exec_driver_sql(_ACCEPT_SQLITE, params).first()
                if inserted is None and not self._registered(conn, connection_id):
                    return None
        fresh = inserted is not None
        if fresh:
            self.wakeups.ring(INBOX)
        return fresh

    @staticmethod
    def _registered(conn: sa.Connection, connection_id: str) -> bool:
        query = sa.select(webhook_connection.c.connection_id).where(
            webhook_connection.c.connection_id == connection_id
        )
        return conn.execute(query).first() is not None

    def pending(self, limit: int = 100) -> list[InboxRow]:
        """The oldest events due for processing, in arrival order."""
        t = webhook_inbox
        query = (
            sa.select(t.c.seq, t.c.connection_id, t.c.webhook_action_id, t.c.action, t.c.body, t.c.attempts)
            .where(t.c.status == "pending", t.c.next_attempt_at <= self.clock())
            .order_by(t.c.seq)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [InboxRow(*r) for r in conn.execute(query)]

    def next_due_in(self) -> float | None:
        """Seconds until the earliest pending event is due (a retry); None when none is pending."""
        at = earliest_due(self.engine, webhook_inbox)
        return None if at is None else max(0.0, at - self.clock())

    def mark_done_many(self, done: list[tuple[int, str]]) -> None:
        """Mark a processed batch in one transaction (a crash before it re-applies: harmless)."""
        if not done:
            return
        t = webhook_inbox
        stmt = (
            sa.update(t)
            .where(t.c.seq == sa.bindparam("b_seq"))
            .values(status="done", processed_at=self.clock(), result=sa.bindparam("b_result"), error=None)
        )
        with self.begin() as conn:
            conn.execute(stmt, [{"b_seq": seq, "b_result": result} for seq, result in done])

    def mark_failed(self, row: InboxRow, error: str, *, retry_in: float | None) -> None:
        """Record a failed attempt; ``retry_in=None`` gives up (status ``failed``)."""
        values: dict[str, object] = {"attempts": row.attempts + 1, "error": error[:2000]}
        if retry_in is None:
            values.update(status="failed", processed_at=self.clock())
        else:
            values["next_attempt_at"] = self.clock() + retry_in
        with self.begin() as conn:
            conn.execute(sa.update(webhook_inbox).where(webhook_inbox.c.seq == row.seq).values(**values))

    def counts(self) -> dict[str, int]:
        query = sa.select(webhook_inbox.c.status, sa.func.count()).group_by(webhook_inbox.c.status)
        with self.engine.connect() as conn:
            return {str(status): int(n) for status, n in conn.execute(query)}
