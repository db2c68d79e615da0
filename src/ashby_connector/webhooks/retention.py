"""Pruning finished rows so the inbox, outbox and delivery log do not grow forever.

Inbox rows are the de-duplication memory: Ashby retries for about three hours, so a week is ample.
Delivered outbox rows and the delivery log are kept a month for support questions.
"""

from __future__ import annotations

import sqlalchemy as sa

from ashby_connector.store.engine import Begin
from ashby_connector.store.schema_webhooks import webhook_delivery, webhook_inbox, webhook_outbox

DAY = 86400.0


def prune(
    engine: sa.Engine,
    now: float,
    *,
    inbox_days: float = 7,
    outbox_days: float = 30,
    begin: Begin | None = None,
) -> dict[str, int]:
    """Delete done inbox rows, delivered/failed outbox rows and log entries older than the windows."""
    inbox_cut, outbox_cut = now - inbox_days * DAY, now - outbox_days * DAY
    with (begin or engine.begin)() as conn:
        inbox = conn.execute(
            sa.delete(webhook_inbox).where(
                webhook_inbox.c.status == "done", webhook_inbox.c.received_at < inbox_cut
            )
        ).rowcount
        outbox = conn.execute(
            sa.delete(webhook_outbox).where(
                webhook_outbox.c.status != "pending", webhook_outbox.c.created_at < outbox_cut
            )
        ).rowcount
        log = conn.execute(
            sa.delete(webhook_delivery).where(webhook_delivery.c.attempted_at < outbox_cut)
        ).rowcount
    return {"inbox": inbox, "outbox": outbox, "deliveries": log}
