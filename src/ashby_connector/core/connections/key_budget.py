"""A raw request's share of its key's rate budget (the proxy), counted like a client's call."""

from __future__ import annotations

import time

import httpx

from ashby_connector.client import _hooks, _rate
from ashby_connector.client._retry import parse_retry_after
from ashby_connector.client._secret import Secret


class KeyBudget:
    """Interactive priority, and the answer counted (metrics, error log, a 429 slowing the key or,
    partner-wide, every key) as the client counts its own calls."""

    def __init__(self, api_key: str, per_minute: float | None) -> None:
        self._budget = _rate.budget_for(Secret(api_key).fingerprint(), per_minute) if per_minute else None

    @classmethod
    def take_for(cls, api_key: str, per_minute: float | None) -> KeyBudget:
        """The key's budget, after waiting for an interactive token."""
        budget = cls(api_key, per_minute)
        budget.take()
        return budget

    def take(self) -> None:
        while self._budget is not None and (wait := self._budget.try_take("interactive")) > 0:
            time.sleep(wait)

    def answered(self, operation: str, response: httpx.Response, connection_id: str) -> None:
        scope = response.headers.get("x-ratelimit-scope") if response.status_code == 429 else None
        if response.status_code == 429:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if scope == _rate.PARTNER_SCOPE:
                _rate.partner_throttled(retry_after)
            elif self._budget is not None:
                self._budget.penalize(retry_after)
        request_id = response.headers.get("x-ashby-request-id")
        _hooks.notify_response(
            _hooks.ResponseEvent(operation, response.status_code, request_id, connection_id, scope)
        )


def process_partner_state() -> dict[str, object]:
    """The partner-wide slowdown as this process saw it (SQLite deployments: one process)."""
    last = _rate.PARTNER.last_429_at
    return {"factor": round(_rate.PARTNER.factor(), 3), "last429At": last}
