"""``Refusal``: the one base of every error a use case answers a caller with (bad input, not
allowed, not found, conflict): an HTTP status, a stable code, a message and the offending field.

It sits below every layer so the domain (``webhooks``, ``sync``'s callers), the core and the store's
callers can all raise it; the server's one envelope handler renders any of them as
``{"error": {"code", "message", "field", ...}}`` and the command line exits 2 for the ones the
caller can fix. Errors from Ashby itself are ``ashby_connector.errors``.
"""

from __future__ import annotations

from typing import Any


def envelope(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    """The one error body of every HTTP answer that is not a success."""
    return {"error": {"code": code, "message": message, "field": field, **extra}}


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.extra = extra

    @property
    def bad_input(self) -> bool:
        """The caller can fix it (exit code 2 on the command line)."""
        return 400 <= self.status < 500 and self.status not in (403, 409, 429)

    def body(self) -> dict[str, Any]:
        return envelope(self.code, self.message, self.field, **self.extra)


class SettingRefused(Refusal):
    """A webhook registration or subscription that cannot be honoured (unknown types, a bad
    URL): 422 naming the field. ``rule`` names the outbound-URL rule that refused the URL, when
    that is the reason (code ``outbound_url_refused``)."""

    def __init__(
        self, message: str, field: str, *, code: str = "invalid_setting", rule: str | None = None
    ) -> None:
        if rule is not None:
            super().__init__(422, "outbound_url_refused", message, field, rule=rule)
        else:
            super().__init__(422, code, message, field)
        self.rule = rule
