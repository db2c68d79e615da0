"""What happened to webhooks, for people: unified events queued for a subscriber (status,
attempts, next retry, the subscriber's last answer) with a replay of one that was given up on,
and the Ashby webhooks a connection received.

Each read is one query whatever the number of rows it returns.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from ashby_connector.store.engine import Begin
from ashby_connector.store.schema_webhooks import webhook_delivery, webhook_inbox, webhook_outbox
from ashby_connector.times import iso_epoch

MAX_ROWS = 500


def _iso(ts: float | None) -> str | None:
    return iso_epoch(ts, timespec="seconds")


def subscriber_events(
    engine: sa.Engine,
    subscription_ids: list[str],
    *,
    limit: int = 50,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """The newest events queued for these subscriptions, newest first, each with the HTTP status
    of the subscriber's last answer (None: no answer, or never tried)."""
    if not subscription_ids:
        return []
    o, d = webhook_outbox, webhook_delivery
    last_attempt = (
        sa.select(d.c.status_code)
        .where(d.c.subscription_id == o.c.subscription_id, d.c.event_id == o.c.event_id)
        .order_by(d.c.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = sa.select(
        o.c.seq,
        o.c.subscription_id,
        o.c.connection_id,
        o.c.event_id,
        o.c.event_type,
        o.c.created_at,
        o.c.status,
        o.c.attempts,
        o.c.next_attempt_at,
        o.c.delivered_at,
        o.c.last_error,
        last_attempt.label("last_status_code"),
    ).where(o.c.subscription_id.in_(subscription_ids))
    if status is not None:
        query = query.where(o.c.status == status)
    query = query.order_by(o.c.seq.desc()).limit(max(1, min(limit, MAX_ROWS)))
    with engine.connect() as conn:
        return [
            {
                "id": r.seq,
                "subscriptionId": r.subscription_id,
                "connectionId": r.connection_id,
                "eventId": r.event_id,
                "eventType": r.event_type,
                "createdAt": _iso(r.created_at),
                "status": r.status,
                "attempts": r.attempts,
                "nextRetryAt": _iso(r.next_attempt_at) if r.status == "pending" and r.attempts else None,
                "deliveredAt": _iso(r.delivered_at),
                "lastStatusCode": r.last_status_code,
                "lastError": r.last_error,
            }
            for r in conn.execute(query)
        ]


def replay_event(begin: Begin, subscription_id: str, event_seq: int, *, now: float | None = None) -> bool:
    """Queue a failed event of the subscription again, with a fresh round of retries; False when
    there is no such failed event (delivered or pending ones are left as they are)."""
    o = webhook_outbox
    with begin() as conn:
        done = conn.execute(
            sa.update(o)
            .where(o.c.seq == event_seq, o.c.subscription_id == subscription_id, o.c.status == "failed")
            .values(status="pending", attempts=0, next_attempt_at=time.time() if now is None else now)
        ).rowcount
    return bool(done)


def inbound(engine: sa.Engine, connection_id: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """The newest Ashby webhooks the connection received, newest first: action, when, whether
    processing them worked."""
    t = webhook_inbox
    query = (
        sa.select(
            t.c.seq,
            t.c.action,
            t.c.received_at,
            t.c.status,
            t.c.attempts,
            t.c.processed_at,
            t.c.result,
            t.c.error,
        )
        .where(t.c.connection_id == connection_id)
        .order_by(t.c.seq.desc())
        .limit(max(1, min(limit, MAX_ROWS)))
    )
    with engine.connect() as conn:
        return [
            {
                "id": r.seq,
                "action": r.action,
                "receivedAt": _iso(r.received_at),
                "status": r.status,
                "attempts": r.attempts,
                "processedAt": _iso(r.processed_at),
                "result": r.result,
                "error": r.error,
            }
            for r in conn.execute(query)
        ]
