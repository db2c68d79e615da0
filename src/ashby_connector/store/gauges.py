"""What the Prometheus gauges read from the store at scrape time: each connection's stalest stream,
the webhooks inbox and outbox, the delivery log. ``core.runtime.metrics`` turns it into metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ashby_connector.store.repository import Store
from ashby_connector.store.schema import sync_state
from ashby_connector.store.schema_webhooks import webhook_delivery, webhook_inbox, webhook_outbox


@dataclass(frozen=True)
class StoreGauges:
    stalest_success: dict[str, datetime]  # per connection: its stalest stream's last success
    inbox_depth: int  # Ashby webhooks received, not yet processed
    inbox_oldest: float | None  # epoch seconds the oldest of them arrived
    outbox_backlog: int  # unified events waiting for delivery
    deliveries: dict[str, int]  # attempts kept in the log: "delivered" / "failed"


def read_gauges(store: Store) -> StoreGauges:
    inbox = webhook_inbox
    status = sa.case((webhook_delivery.c.success.is_(True), "delivered"), else_="failed")
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(sync_state.c.connection_id, sa.func.min(sync_state.c.last_success_at))
            .where(sync_state.c.last_success_at.is_not(None))
            .group_by(sync_state.c.connection_id)
        )
        stalest = {str(connection_id): oldest for connection_id, oldest in rows}
        depth, oldest = conn.execute(
            sa.select(sa.func.count(), sa.func.min(inbox.c.received_at)).where(inbox.c.status != "done")
        ).one()
        backlog = conn.execute(
            sa.select(sa.func.count()).where(webhook_outbox.c.status == "pending")
        ).scalar_one()
        deliveries = {
            str(label): int(count)
            for label, count in conn.execute(sa.select(status, sa.func.count()).group_by(status))
        }
    return StoreGauges(
        stalest, int(depth), None if oldest is None else float(oldest), int(backlog), deliveries
    )
