"""A connection's webhook settings in Ashby: registering this deployment's receiver for the types
the connection may use (``webhook.create``), listing them, removing them.

``SIGNATURE_HEADER`` names the header Ashby signs each webhook with (checked by ``webhooks``)."""

from __future__ import annotations

from ashby_connector.core.connections.clients import ConnectionClients
from ashby_connector.core.connections.requested_operations import RequestedOperations, webhook_types
from ashby_connector.webhooks.registration import DEFAULT_TYPES, SettingState, WebhookRegistry
from ashby_connector.webhooks.signature import SIGNATURE_HEADER

__all__ = ["SIGNATURE_HEADER", "AshbyWebhooks", "SettingState"]


class AshbyWebhooks:
    def __init__(self, clients: ConnectionClients, registry: WebhookRegistry) -> None:
        self.clients = clients
        self.registry = registry

    def register(
        self,
        connection_id: str,
        url: str,
        types: list[str] | None = None,
        *,
        requested: RequestedOperations | None = None,
    ) -> list[SettingState]:
        """Register ``types`` (by default every type that keeps the copy current) with the
        connection's key. With ``requested`` (the API), only what the connection's requested
        operations allow: ``OperationNotRequested`` names what they do not."""
        if requested is not None:
            types = webhook_types(requested, types or None, DEFAULT_TYPES)
        client = self.clients.require(connection_id)
        return self.registry.register(connection_id, client, url, types)

    def settings(self, connection_id: str) -> list[SettingState]:
        return self.registry.settings(connection_id)

    def unregister(self, connection_id: str, types: list[str] | None = None) -> list[str]:
        """Delete the settings (all, or ``types``) in Ashby and here; returns the types removed."""
        return self.registry.unregister(connection_id, self.clients.require(connection_id), types)
