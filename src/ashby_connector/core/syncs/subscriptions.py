"""A tenant's subscriptions to unified events (``/subscriptions``): each one the tenant's own
(another tenant's answers 404 alike), its URL checked against the outbound policy, its signing
secret shown once when it is created."""

from __future__ import annotations

from typing import Any

from ashby_connector.core.errors import CoreError
from ashby_connector.webhooks.subscriptions import Subscription, Subscriptions

__all__ = ["Subscription", "TenantSubscriptions"]


def _found(sub: Subscription | None) -> Subscription:
    if sub is None:
        raise CoreError(404, "subscription_not_found", "no such subscription", "subscription_id")
    return sub


class TenantSubscriptions:
    def __init__(self, subscriptions: Subscriptions) -> None:
        self.subscriptions = subscriptions

    def create(
        self,
        tenant_id: str,
        *,
        url: str,
        models: list[str],
        events: list[str],
        connection_id: str | None = None,
    ) -> tuple[Subscription, str]:
        """The new subscription and its signing secret (shown this once)."""
        return self.subscriptions.create(
            tenant_id, url=url, models=models, events=events, connection_id=connection_id
        )

    def all(self, tenant_id: str) -> list[Subscription]:
        return self.subscriptions.for_tenant(tenant_id)

    def get(self, tenant_id: str, subscription_id: str) -> Subscription:
        return _found(self.subscriptions.get(tenant_id, subscription_id))

    def update(self, tenant_id: str, subscription_id: str, **changes: Any) -> Subscription:
        return _found(self.subscriptions.update(tenant_id, subscription_id, **changes))

    def delete(self, tenant_id: str, subscription_id: str) -> None:
        if not self.subscriptions.delete(tenant_id, subscription_id):
            _found(None)
