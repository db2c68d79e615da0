"""The durable outbox: every unified event, once per subscription that wants it, before delivery."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

import orjson
import sqlalchemy as sa

from ashby_connector.store.engine import Begin
from ashby_connector.store.queries import upsert
from ashby_connector.store.schema_webhooks import webhook_outbox
from ashby_connector.store.wakeups import OUTBOX, Wakeups
from ashby_connector.webhooks.protocols import Change, ChangeCallback
from ashby_connector.webhooks.subscriptions import Subscriptions
from ashby_connector.webhooks.unified_events import (
    UnifiedEvent,
    UnifiedMapper,
    build_events,
    event_id,
    now_iso,
)

TenantOf = Callable[[str], str | None]
ReadsModel = Callable[[str, str], bool]  # (connection id, unified model) -> may its events go out


def _no_tenant(connection_id: str) -> str | None:
    return None


def any_model(connection_id: str, model: str) -> bool:
    return True


class Outbox:
    """Turns changes (from the inbox processor or a sync's diff) into queued deliveries."""

    def __init__(
        self,
        engine: sa.Engine,
        subscriptions: Subscriptions,
        mapper: UnifiedMapper,
        *,
        tenant_of: TenantOf = _no_tenant,
        reads_model: ReadsModel = any_model,
        clock: Callable[[], float] = time.time,
        begin: Begin | None = None,
        wakeups: Wakeups | None = None,
    ) -> None:
        """``reads_model``: the core's decision from the connection's requested operations; an
        event of a model the connection may not read goes to nobody."""
        self.engine = engine
        self.reads_model = reads_model
        self.begin: Begin = begin or engine.begin
        self.wakeups = wakeups or Wakeups(engine)
        self.subscriptions = subscriptions
        self.mapper = mapper
        self.tenant_of = tenant_of
        self.clock = clock

    def enqueue_change(self, connection_id: str, kind: str, record: dict[str, Any], change: Change) -> int:
        """Enqueue the unified events of one change for the subscribers that want them; returns
        rows queued (none once the connection is deleted: it has no tenant any more)."""
        subs = self.subscriptions.matching(connection_id, self.tenant_of(connection_id))
        if not subs:
            return 0
        events = build_events(self.mapper, connection_id, kind, record, change)
        return self.enqueue([e for e in events if self.reads_model(connection_id, e.model)], subs)

    def for_connection(self, connection_id: str) -> ChangeCallback:
        """The connection's ``on_change(kind, record, change)``: sync runs, the webhook processor
        and the server's writes report changes with it."""

        def on_change(kind: str, record: dict[str, Any], change: Change) -> None:
            self.enqueue_change(connection_id, kind, record, change)

        return on_change

    def publish(self, connection_id: str, event_type: str, data: dict[str, Any]) -> int:
        """Queue a lifecycle event (``assessment.started``) for the subscriptions that want it.

        Its id comes from its content, so publishing the same event twice queues it once.
        """
        subs = self.subscriptions.matching(connection_id, self.tenant_of(connection_id))
        if not subs:
            return 0
        model, _, change = event_type.partition(".")
        record_id = str(data.get("id", ""))
        eid = event_id(connection_id, model, change, {"id": record_id, "status": data.get("status")})
        return self.enqueue([UnifiedEvent(eid, event_type, model, record_id, connection_id, data)], subs)

    def enqueue(self, events: list[UnifiedEvent], subs: list[Any]) -> int:
        now = self.clock()
        stamp = now_iso()
        rows = []
        for event in events:
            change = event.type.rsplit(".", 1)[1]
            body: bytes | None = None
            for sub in subs:
                if not sub.wants(event.model, change):
                    continue
                body = body or orjson.dumps(event.body(timestamp=stamp))
                key = f"{event.connection_id}:{event.model}:{event.record_id}"
                rows.append(_row(sub.id, event.connection_id, event.id, event.type, key, body, now))
        if not rows:
            return 0
        return self._queue(rows)

    def enqueue_sync(self, connection_id: str, event_type: str, run: dict[str, Any]) -> int:
        """``sync.finished`` / ``sync.failed`` with the run (and its report) for subscribers naming it."""
        subs = [
            s
            for s in self.subscriptions.matching(connection_id, self.tenant_of(connection_id))
            if s.wants_sync(event_type)
        ]
        if not subs:
            return 0
        now = self.clock()
        event_id = "evt_" + hashlib.sha256(f"{run['id']}\x00{event_type}".encode()).hexdigest()[:32]
        body = {
            "id": event_id,
            "type": event_type,
            "timestamp": now_iso(),
            "connectionId": connection_id,
            "model": None,
            "data": run,
        }
        payload = orjson.dumps(body)
        key = f"{connection_id}:sync:{run['id']}"
        rows = [_row(sub.id, connection_id, event_id, event_type, key, payload, now) for sub in subs]
        return self._queue(rows)

    def _queue(self, rows: list[dict[str, Any]]) -> int:
        """Write the rows and wake the deliverers (here at once; elsewhere with the commit)."""
        with self.begin() as conn:
            # Unique (subscription, event id): a change reported twice is queued once.
            queued = upsert(conn, webhook_outbox, rows)
            if queued:
                self.wakeups.notify(conn, OUTBOX)
        if queued:
            self.wakeups.ring(OUTBOX)
        return queued

    def counts(self) -> dict[str, int]:
        t = webhook_outbox
        with self.engine.connect() as conn:
            return {
                str(s): int(n)
                for s, n in conn.execute(sa.select(t.c.status, sa.func.count()).group_by(t.c.status))
            }


def _row(
    subscription_id: str,
    connection_id: str,
    event_id: str,
    event_type: str,
    record_key: str,
    payload: bytes,
    now: float,
) -> dict[str, Any]:
    return {
        "subscription_id": subscription_id,
        "connection_id": connection_id,
        "event_id": event_id,
        "event_type": event_type,
        "record_key": record_key[:255],
        "payload": payload.decode(),
        "created_at": now,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
    }
