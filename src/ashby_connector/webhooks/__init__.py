"""Webhooks, both ways.

Inbound: Ashby's webhooks are verified (``Ashby-Signature``), written to a durable inbox before the
2xx, and applied to the store by a processor loop (idempotent, newest ``updatedAt`` wins, partial
payloads refetched, deletes and merges honoured). Outbound: every store change (from a webhook or a
sync's diff) becomes unified ``{model}.created|updated|deleted`` events, queued in a durable outbox
per subscription and delivered signed with Standard Webhooks, retried with exponential backoff, in
order per record. See docs/webhooks.md.

No web framework here: the HTTP routes are ``server.routes_webhooks``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ashby_connector._lazy import lazy_attributes

if TYPE_CHECKING:
    from ashby_connector.store.secrets import SecretBox
    from ashby_connector.webhooks.backoff import DELIVERY_BACKOFF, INBOX_BACKOFF, Backoff
    from ashby_connector.webhooks.deliverer import Deliverer, delivery_log, sign_headers
    from ashby_connector.webhooks.envelope import InboundEvent, MalformedWebhookError, parse_envelope
    from ashby_connector.webhooks.inbox import Inbox
    from ashby_connector.webhooks.outbox import Outbox
    from ashby_connector.webhooks.processor import InboxProcessor
    from ashby_connector.webhooks.protocols import AshbyCaller, Change, RecordStore, RecordVersion
    from ashby_connector.webhooks.registration import DEFAULT_TYPES, WebhookRegistry
    from ashby_connector.webhooks.service import Receipt, WebhookOptions, WebhookService
    from ashby_connector.webhooks.signature import SIGNATURE_HEADER, sign_ashby_body, verify_ashby_signature
    from ashby_connector.webhooks.subscriptions import Subscription, Subscriptions

# Loaded on first use: ``webhooks.outbound_url`` (read by the settings every command builds) must
# not import the store and the delivery machinery with it.
_LAZY = {
    "SecretBox": "ashby_connector.store.secrets",
    "DELIVERY_BACKOFF": "ashby_connector.webhooks.backoff",
    "INBOX_BACKOFF": "ashby_connector.webhooks.backoff",
    "Backoff": "ashby_connector.webhooks.backoff",
    "Deliverer": "ashby_connector.webhooks.deliverer",
    "delivery_log": "ashby_connector.webhooks.deliverer",
    "sign_headers": "ashby_connector.webhooks.deliverer",
    "InboundEvent": "ashby_connector.webhooks.envelope",
    "MalformedWebhookError": "ashby_connector.webhooks.envelope",
    "parse_envelope": "ashby_connector.webhooks.envelope",
    "Inbox": "ashby_connector.webhooks.inbox",
    "Outbox": "ashby_connector.webhooks.outbox",
    "InboxProcessor": "ashby_connector.webhooks.processor",
    "AshbyCaller": "ashby_connector.webhooks.protocols",
    "Change": "ashby_connector.webhooks.protocols",
    "RecordStore": "ashby_connector.webhooks.protocols",
    "RecordVersion": "ashby_connector.webhooks.protocols",
    "DEFAULT_TYPES": "ashby_connector.webhooks.registration",
    "WebhookRegistry": "ashby_connector.webhooks.registration",
    "Receipt": "ashby_connector.webhooks.service",
    "WebhookOptions": "ashby_connector.webhooks.service",
    "WebhookService": "ashby_connector.webhooks.service",
    "SIGNATURE_HEADER": "ashby_connector.webhooks.signature",
    "sign_ashby_body": "ashby_connector.webhooks.signature",
    "verify_ashby_signature": "ashby_connector.webhooks.signature",
    "Subscription": "ashby_connector.webhooks.subscriptions",
    "Subscriptions": "ashby_connector.webhooks.subscriptions",
}

__all__ = [
    "DEFAULT_TYPES",
    "DELIVERY_BACKOFF",
    "INBOX_BACKOFF",
    "SIGNATURE_HEADER",
    "AshbyCaller",
    "Backoff",
    "Change",
    "Deliverer",
    "InboundEvent",
    "Inbox",
    "InboxProcessor",
    "MalformedWebhookError",
    "Outbox",
    "Receipt",
    "RecordStore",
    "RecordVersion",
    "SecretBox",
    "Subscription",
    "Subscriptions",
    "WebhookOptions",
    "WebhookRegistry",
    "WebhookService",
    "delivery_log",
    "parse_envelope",
    "sign_ashby_body",
    "sign_headers",
    "verify_ashby_signature",
]

__getattr__ = lazy_attributes(__name__, _LAZY)
