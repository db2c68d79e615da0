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

from ashby_connector.store.secrets import SecretBox
from ashby_connector.webhooks.backoff import DELIVERY_BACKOFF, INBOX_BACKOFF, Backoff
from ashby_connector.webhooks.deliverer import Deliverer, delivery_log, sign_headers
from ashby_connector.webhooks.envelope import InboundEvent, MalformedWebhookError, parse_envelope
from ashby_connector.webhooks.inbox import Inbox
from ashby_connector.webhooks.outbox import Outbox
from ashby_connector.webhooks.processor import InboxProcessor
from ashby_connector.webhooks.protocols import AshbyCaller, Change, RecordStore, RecordVersion
from ashby_connector.webhooks.registration import DEFAULT_TYPES, RegistrationError, WebhookRegistry
from ashby_connector.webhooks.service import Receipt, WebhookOptions, WebhookService
from ashby_connector.webhooks.signature import SIGNATURE_HEADER, sign_ashby_body, verify_ashby_signature
from ashby_connector.webhooks.subscriptions import Subscription, SubscriptionError, Subscriptions

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
    "RegistrationError",
    "SecretBox",
    "Subscription",
    "SubscriptionError",
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
