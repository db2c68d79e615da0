"""Why a use case refused: one error type with an HTTP status, a stable code, a message and the
offending field. The server renders it as ``{"error": {"code", "message", "field"}}``; the command
line prints ``error: <message>`` and exits 2 for bad input, 1 otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ashby_connector import errors as ashby_errors
from ashby_connector._lazy import lazy_attributes
from ashby_connector.errors import AshbyError
from ashby_connector.refusals import Refusal, envelope

if TYPE_CHECKING:
    from ashby_connector.store.errors import StoreError
    from ashby_connector.store.secrets import SecretBoxError

# What delivery catches besides ``Refusal``, named here so that it imports the core only (the
# "delivery imports only the core" contract): Ashby's errors (``from_ashby`` translates them), a
# database that cannot be used, a master key that does not open the stored secrets. The last two
# load on first use: importing the store's errors imports the store, which this light module must not.
__getattr__ = lazy_attributes(
    __name__,
    {"StoreError": "ashby_connector.store.errors", "SecretBoxError": "ashby_connector.store.secrets"},
)

__all__ = ["AshbyError", "CoreError", "Refusal", "SecretBoxError", "StoreError", "envelope", "from_ashby"]


class CoreError(Refusal):
    """A use case's refusal (``Refusal``: status, code, message, field), raised by the core."""


# Ashby's own errors, translated: what the caller did wrong stays 4xx, Ashby's faults are 502.
_ASHBY_STATUS: list[tuple[type[Exception], int, str]] = [
    (ashby_errors.AuthenticationError, 502, "ashby_authentication_failed"),
    (ashby_errors.PermissionDeniedError, 403, "ashby_permission_denied"),
    (ashby_errors.NotFoundError, 404, "ashby_not_found"),
    (ashby_errors.InvalidInputError, 422, "ashby_invalid_input"),
    (ashby_errors.ConflictError, 409, "ashby_conflict"),
    (ashby_errors.RateLimitError, 429, "ashby_rate_limited"),
    (ashby_errors.OperationNotSupportedError, 501, "not_supported"),
    (ashby_errors.APIConnectionError, 502, "ashby_unreachable"),
    (ashby_errors.APIError, 422, "ashby_error"),
    (ashby_errors.AshbyError, 502, "ashby_error"),
]


def from_ashby(exc: ashby_errors.AshbyError) -> CoreError:
    """An error of the Ashby client as the core's error (status, code, Ashby's code and field)."""
    for cls, status, code in _ASHBY_STATUS:
        if isinstance(exc, cls):
            extra: dict[str, Any] = {}
            if isinstance(exc, ashby_errors.APIError):
                extra["ashbyCode"] = exc.code
            if isinstance(exc, ashby_errors.PermissionDeniedError) and exc.permission:
                extra["permission"] = exc.permission
            field = getattr(exc, "field", None)
            return CoreError(status, code, str(exc), field if isinstance(field, str) else None, **extra)
    return CoreError(502, "ashby_error", str(exc))  # pragma: no cover - AshbyError is last above
