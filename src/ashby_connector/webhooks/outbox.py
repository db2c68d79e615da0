"""The durable outbox: every unified event, once per subscription that wants it, before delivery."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import orjson
import sqlalchemy as sa

from ashby_connector.store.engine import Begin
from ashby_connector.store.queries import upsert
from ashby_connector.store.schema_webhooks import webhook_outbox
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


def _no_tenant(connection_id: str) -> str | None:
    return None


class Outbox:
    """Turns changes (from the inbox processor or a sync's diff) into queued deliveries."""

    def __init__(
        self,
        engine: sa.Engine,
        subscriptions: Subscriptions,
        mapper: UnifiedMapper,
        *,
        tenant_of: TenantOf = _no_tenant,
        clock: Callable[[], float] = time.time,
        begin: Begin | None = None,
    ) -> None:
        self.engine = engine
        self.begin: Begin = begin or engine.begin
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
        return self.enqueue(build_events(self.mapper, connection_id, kind, record, change), subs)

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
                rows.append(
                    {
                        "subscription_id": sub.id,
                        "connection_id": event.connection_id,
                        "event_id": event.id,
                        "event_type": event.type,
                        "record_key": f"{event.connection_id}:{event.model}:{event.record_id}"[:255],
                        "payload": body.decode(),
                        "created_at": now,
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": now,
                    }
                )
        if not rows:
            return 0
        with self.begin() as conn:
            # Unique (subscription, event id): a change reported twice is queued once.
            return upsert(conn, webhook_outbox, rows)

    def counts(self) -> dict[str, int]:
        t = webhook_outbox
        with self.engine.connect() as conn:
            return {
                str(s): int(n)
                for s, n in conn.execute(sa.select(t.c.status, sa.func.count()).group_by(t.c.status))
            }
