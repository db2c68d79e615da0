"""The webhooks service over a server context (its store, secret box, connections and settings).

Used by the server extension and by the ``webhooks`` CLI, so both run exactly the same service.
"""

from __future__ import annotations

from ashby_connector.server.context import ServerContext
from ashby_connector.webhooks.connections import ServerConnections
from ashby_connector.webhooks.service import WebhookOptions, WebhookService, attach, attached


def service_for_context(ctx: ServerContext, options: WebhookOptions | None = None) -> WebhookService:
    """The context's service, created (and attached to ``ctx``) on first use."""
    existing = attached(ctx)
    if existing is not None:
        return existing
    settings = ctx.settings
    if options is None:
        options = WebhookOptions(outbound=settings.outbound_policy())
    connections = ServerConnections(
        ctx.store.engine,
        ctx.box,
        base_url=settings.ashby_base_url,
        rate_limit_per_minute=settings.rate_limit_per_minute,
        timeout=settings.ashby_timeout,
        http_client=ctx.http,
    )
    service = WebhookService.for_store(
        ctx.store,
        ctx.box,
        client_for=connections.client_for,
        tenant_of=connections.tenant_of,
        options=options
        or WebhookOptions(
            inbox_days=settings.inbox_retention_days, outbox_days=settings.outbox_retention_days
        ),
    )
    service.connections = connections
    attach(ctx, service)
    return service
