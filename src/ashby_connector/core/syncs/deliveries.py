"""Unified events on their way to a tenant's subscribers: each with its status, attempts, next
retry and the subscriber's last answer, and a replay of one given up on; and the Ashby webhooks
a connection received. ``/subscriptions/{id}/events`` and the console both read them here."""

from __future__ import annotations

from typing import Any

from ashby_connector.core.errors import CoreError
from ashby_connector.store import Store
from ashby_connector.webhooks import event_log
from ashby_connector.webhooks.deliverer import delivery_log
from ashby_connector.webhooks.subscriptions import Subscription, Subscriptions


class EventDeliveries:
    def __init__(self, store: Store, subscriptions: Subscriptions) -> None:
        self.store = store
        self.subscriptions = subscriptions

    def subscription(self, tenant_id: str, subscription_id: str) -> Subscription:
        """The tenant's subscription; 404 alike for an unknown id and another tenant's."""
        sub = self.subscriptions.get(tenant_id, subscription_id) if len(subscription_id) <= 64 else None
        if sub is None:
            raise CoreError(404, "subscription_not_found", "no such subscription", "subscription_id")
        return sub

    def events(
        self, tenant_id: str, subscription_id: str, *, limit: int = 50, status: str | None = None
    ) -> list[dict[str, Any]]:
        sub = self.subscription(tenant_id, subscription_id)
        return event_log.subscriber_events(self.store.engine, [sub.id], limit=limit, status=status)

    def events_of(
        self, subscriptions: list[Subscription], *, limit: int = 50
    ) -> dict[str, list[dict[str, Any]]]:
        """The newest events of each of these subscriptions (the tenant's, already checked), in
        one query: at most ``limit`` in all."""
        rows = event_log.subscriber_events(self.store.engine, [s.id for s in subscriptions], limit=limit)
        out: dict[str, list[dict[str, Any]]] = {s.id: [] for s in subscriptions}
        for row in rows:
            out[row["subscriptionId"]].append(row)
        return out

    def attempts(
        self, tenant_id: str, subscription_id: str, *, limit: int = 100, before: int | None = None
    ) -> list[dict[str, Any]]:
        """The subscription's newest delivery attempts, newest first (``before``: an attempt's id)."""
        sub = self.subscription(tenant_id, subscription_id)
        return delivery_log(self.store.engine, sub.id, limit=limit, before=before)

    def replay(self, tenant_id: str, subscription_id: str, event_id: int) -> None:
        """Send a failed event again (its retries start over); 404 for any other event."""
        sub = self.subscription(tenant_id, subscription_id)
        if not event_log.replay_event(self.store.transaction, sub.id, event_id):
            raise CoreError(404, "event_not_failed", "no failed event with this id", "event_id")

    def inbound(self, connection_id: str, *, limit: int = 20) -> list[dict[str, Any]]:
        """The newest Ashby webhooks of a connection (the caller checked it is the tenant's)."""
        return event_log.inbound(self.store.engine, connection_id, limit=limit)
