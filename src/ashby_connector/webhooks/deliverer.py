"""Delivers the outbox to subscribers, signed with Standard Webhooks, retried with backoff.

Ordering: only the oldest pending event of each record (per subscription) is ever in flight, so a
receiver sees a record's events in the order they happened even across retries. Different records
are delivered in parallel. Rows are claimed with a lease before sending, so several deliverers
(several worker machines) never send the same row at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import sqlalchemy as sa
from standardwebhooks import Webhook

from ashby_connector.store.engine import Begin
from ashby_connector.store.queries import earliest_due
from ashby_connector.store.schema_webhooks import webhook_delivery, webhook_outbox, webhook_subscription
from ashby_connector.store.wakeups import OUTBOX, Bell, IdleBackoff, wait_until
from ashby_connector.times import iso_epoch
from ashby_connector.webhooks.backoff import DELIVERY_BACKOFF, Backoff
from ashby_connector.webhooks.outbound_url import (
    GuardedSender,
    OutboundPolicy,
    OutboundURLError,
    describe_error,
)
from ashby_connector.webhooks.subscriptions import Subscriptions

log = logging.getLogger(__name__)

LEASE_SECONDS = 120.0


def sign_headers(secret: str, event_id: str, body: str, at: float) -> dict[str, str]:
    """The three Standard Webhooks headers for one delivery attempt."""
    moment = datetime.fromtimestamp(int(at), UTC)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at)),
        "webhook-signature": Webhook(secret).sign(event_id, moment, body),
        "content-type": "application/json",
    }


class Deliverer:
    def __init__(
        self,
        engine: sa.Engine,
        subscriptions: Subscriptions,
        *,
        backoff: Backoff = DELIVERY_BACKOFF,
        clock: Callable[[], float] = time.time,
        begin: Begin | None = None,
        sender: GuardedSender | None = None,
        concurrency: int = 8,
    ) -> None:
        self.engine = engine
        self.begin: Begin = begin or engine.begin
        self.subscriptions = subscriptions
        self.backoff = backoff
        self.clock = clock
        # Every attempt resolves and checks the URL again and connects to the checked address.
        self.sender = sender or GuardedSender(OutboundPolicy())
        self.concurrency = concurrency
        self._secrets: dict[str, str] = {}

    def close(self) -> None:
        self.sender.close()

    # -- the loop -------------------------------------------------------------------------------
    def deliver_due(self, limit: int = 200) -> int:
        """One pass: send the due head event of every record queue; returns attempts made."""
        rows = self._claim(self._due_heads(limit))
        if not rows:
            return 0
        if len(rows) == 1 or self.concurrency <= 1:
            for row in rows:
                self._attempt(row)
        else:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(rows))) as pool:
                list(pool.map(self._attempt, rows))
        return len(rows)

    def run(
        self, stop: threading.Event, *, bell: Bell | None = None, idle: IdleBackoff | None = None
    ) -> None:
        """Deliver until ``stop`` is set (ring ``bell`` after setting it). Between passes that find
        nothing it sleeps until an event is queued (``bell``, rung by the outbox), the next retry
        is due, or the idle backoff's next poll."""
        bell = bell or Bell(OUTBOX)
        idle = idle or IdleBackoff()
        while not stop.is_set():
            try:
                sent = self.deliver_due()
            except Exception:
                log.exception("delivery pass failed")
                sent = 0
            if sent:
                idle.busy()
                continue
            try:
                due_in = self.next_due_in()
            except Exception:
                log.exception("reading the next delivery time failed")
                due_in = None
            wait_until(bell, stop, due_in, idle)

    def next_due_in(self) -> float | None:
        """Seconds until the earliest pending delivery (or expiring lease) is due; None: none."""
        at = earliest_due(self.engine, webhook_outbox)
        return None if at is None else max(0.0, at - self.clock())

    def drain(self, timeout: float = 30.0) -> None:
        """Deliver until nothing is pending (or ``timeout``): tests and ``webhooks deliver --once``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.deliver_due() and not self.pending():
                return
            time.sleep(0.005)

    def pending(self) -> int:
        t = webhook_outbox
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).where(t.c.status == "pending")).scalar() or 0)

    # -- one pass -------------------------------------------------------------------------------
    def _due_heads(self, limit: int) -> list[Any]:
        o, earlier = webhook_outbox, webhook_outbox.alias("earlier")
        blocked = sa.exists().where(
            earlier.c.subscription_id == o.c.subscription_id,
            earlier.c.record_key == o.c.record_key,
            earlier.c.status == "pending",
            earlier.c.seq < o.c.seq,
        )
        query = (
            sa.select(
                o.c.seq,
                o.c.subscription_id,
                o.c.connection_id,
                o.c.event_id,
                o.c.event_type,
                o.c.payload,
                o.c.attempts,
                o.c.next_attempt_at,
            )
            .where(o.c.status == "pending", o.c.next_attempt_at <= self.clock(), ~blocked)
            .order_by(o.c.seq)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return list(conn.execute(query))

    def _claim(self, rows: list[Any]) -> list[Any]:
        """Lease each row; a row another deliverer leased first is skipped."""
        if not rows:
            return []  # no write transaction (nor SQLite's write lock) for an idle pass
        claimed = []
        lease_until = self.clock() + LEASE_SECONDS
        t = webhook_outbox
        with self.begin() as conn:
            for row in rows:
                res = conn.execute(
                    sa.update(t)
                    .where(
                        t.c.seq == row.seq,
                        t.c.status == "pending",
                        t.c.next_attempt_at == row.next_attempt_at,
                    )
                    .values(next_attempt_at=lease_until)
                )
                if res.rowcount == 1:
                    claimed.append(row)
        return claimed

    def _attempt(self, row: Any) -> None:
        sub = self._subscription(row.subscription_id)
        started = self.clock()
        status_code: int | None = None
        error: str | None = None
        if sub is None:
            error = "subscription deleted"
        else:
            url, secret = sub
            try:
                headers = sign_headers(secret, row.event_id, row.payload, started)
                response = self.sender.post(url, content=row.payload.encode(), headers=headers)
                status_code = response.status_code
                if not 200 <= status_code < 300:
                    error = f"HTTP {status_code}"
            except (httpx.HTTPError, OutboundURLError) as exc:
                # The kind only: the OS's text (connection refused, no route) would make the
                # delivery log a scanner of whatever the URL reached.
                error = describe_error(exc)
        finished = self.clock()
        self._record(row, sub is not None, status_code, error, started, finished)

    def _record(
        self,
        row: Any,
        sub_exists: bool,
        status_code: int | None,
        error: str | None,
        started: float,
        finished: float,
    ) -> None:
        attempt = row.attempts + 1
        t = webhook_outbox
        values: dict[str, Any] = {"attempts": attempt, "last_error": error}
        if error is None:
            values.update(status="delivered", delivered_at=finished)
        else:
            delay = self.backoff.delay(attempt) if sub_exists else None
            if delay is None:
                values["status"] = "failed"
            else:
                values["next_attempt_at"] = finished + delay
        with self.begin() as conn:
            if not conn.execute(sa.update(t).where(t.c.seq == row.seq).values(**values)).rowcount:
                return  # the row is gone (its connection was deleted meanwhile): log nothing of it
            conn.execute(
                sa.insert(webhook_delivery).values(
                    subscription_id=row.subscription_id,
                    connection_id=row.connection_id,
                    event_id=row.event_id,
                    event_type=row.event_type,
                    attempt=attempt,
                    attempted_at=started,
                    status_code=status_code,
                    success=error is None,
                    duration_ms=(finished - started) * 1000.0,
                    error=error,
                )
            )

    def _subscription(self, subscription_id: str) -> tuple[str, str] | None:
        """(url, secret) of a live subscription; the secret is decrypted once and cached."""
        t = webhook_subscription
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.c.url, t.c.enabled).where(t.c.id == subscription_id)).first()
        if row is None:
            return None
        secret = self._secrets.get(subscription_id)
        if secret is None:
            secret = self.subscriptions.secret_of(subscription_id)
            if secret is None:
                return None
            self._secrets[subscription_id] = secret
        return str(row.url), secret


def delivery_log(
    engine: sa.Engine, subscription_id: str, *, limit: int = 100, before: int | None = None
) -> list[dict[str, Any]]:
    """The newest delivery attempts of one subscription, newest first (``before``: a seq to page from)."""
    t = webhook_delivery
    query = sa.select(t).where(t.c.subscription_id == subscription_id)
    if before is not None:
        query = query.where(t.c.seq < before)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(t.c.seq.desc()).limit(limit))
        return [
            {
                "id": r.seq,
                "eventId": r.event_id,
                "eventType": r.event_type,
                "attempt": r.attempt,
                "attemptedAt": iso_epoch(r.attempted_at, timespec="milliseconds"),
                "statusCode": r.status_code,
                "success": r.success,
                "durationMs": round(r.duration_ms, 2),
                "error": r.error,
            }
            for r in rows
        ]
