"""``Proxy``: any Ashby operation sent with a connection's key, Ashby's answer passed back as is.

The URL is built only from the configured base URL and the catalog's own name for the operation,
never from the request: no host, scheme, path or header of the caller reaches the outgoing call.
The call draws on the key's shared budget (interactive priority) and is counted like a client's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from ashby_connector import catalog
from ashby_connector.core.connections.key_budget import KeyBudget
from ashby_connector.core.connections.requested_operations import RequestedOperations
from ashby_connector.core.errors import CoreError
from ashby_connector.core.settings import Settings
from ashby_connector.store.secrets import SecretBox
from ashby_connector.store.tenancy import ConnectionRow

# Ashby's headers a caller may rely on; every other header of Ashby's answer stays here.
PASSED_HEADERS = ("x-ashby-request-id", "ashby-version", "retry-after")


@dataclass(frozen=True)
class ProxyAnswer:
    status_code: int
    content: bytes
    headers: dict[str, str]
    media_type: str


def resolve(operation: str) -> catalog.Operation:
    """The catalog's operation for ``operation``; 404 (with suggestions) for anything else, 400 for
    one a proxy cannot send (partner-side, multipart only)."""
    if len(operation) > 100:
        raise CoreError(404, "unknown_operation", "unknown Ashby operation", "operation")
    try:
        op = catalog.operation(operation)
    except catalog.UnknownOperationError as exc:
        raise CoreError(404, "unknown_operation", str(exc), "operation") from None
    if op.partner_side:
        raise CoreError(
            400,
            "partner_side_operation",
            f"{op.name} is implemented by assessment partners and called by Ashby, not by us",
            "operation",
        )
    if op.multipart and not op.request_schema:
        raise CoreError(
            400, "multipart_only", f"{op.name} takes multipart uploads; use the client", "operation"
        )
    return op


def target_url(base_url: str, op: catalog.Operation) -> str:
    # op.name comes from the catalog (module.method, letters only), never from the caller.
    return base_url.rstrip("/") + "/" + op.name


class Proxy:
    def __init__(self, settings: Settings, box: SecretBox, http: httpx.Client) -> None:
        self.settings = settings
        self.box = box
        self.http = http

    def call(self, conn: ConnectionRow, operation: str, body: dict[str, Any] | None) -> ProxyAnswer:
        """Send ``body`` to ``operation`` with the connection's key, when the connection requested it."""
        op = resolve(operation)
        RequestedOperations.of(conn.operations).require_ashby(op.name)
        key = self.box.decrypt(conn.api_key_encrypted)
        budget = KeyBudget.take_for(key, self.settings.rate_limit_per_minute)
        try:
            answer = self.http.post(
                target_url(self.settings.ashby_base_url, op),
                content=orjson.dumps(body or {}),
                auth=httpx.BasicAuth(key, ""),
                headers={"Content-Type": "application/json", "Accept": "application/json; version=1"},
            )
        except httpx.HTTPError as exc:
            raise CoreError(
                502, "ashby_unreachable", f"could not reach Ashby: {type(exc).__name__}"
            ) from None
        budget.answered(op.name, answer, conn.id)
        return ProxyAnswer(
            answer.status_code,
            answer.content,
            {k: v for k, v in answer.headers.items() if k.lower() in PASSED_HEADERS},
            answer.headers.get("content-type", "application/json"),
        )
