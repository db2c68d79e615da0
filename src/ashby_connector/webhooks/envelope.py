"""Parsing Ashby's webhook envelope ``{"webhookActionId", "action", "data"}`` from raw bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson


class MalformedWebhookError(ValueError):
    """The body is not a JSON object shaped like Ashby's envelope (the router answers 400)."""


@dataclass(frozen=True, slots=True)
class InboundEvent:
    webhook_action_id: str
    action: str
    data: dict[str, Any]


def parse_envelope(body: bytes) -> InboundEvent:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedWebhookError(f"body is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise MalformedWebhookError("body must be a JSON object")
    action = doc.get("action")
    if not isinstance(action, str) or not action:
        raise MalformedWebhookError("'action' must be a non-empty string")
    data = doc.get("data", {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise MalformedWebhookError("'data' must be an object")
    action_id = doc.get("webhookActionId")
    if action == "ping" and not action_id:
        # Pings are answered, never stored, so they need no de-duplication key.
        action_id = ""
    if not isinstance(action_id, str) or (action != "ping" and not action_id):
        raise MalformedWebhookError("'webhookActionId' must be a non-empty string")
    return InboundEvent(webhook_action_id=action_id, action=action, data=data)
