"""One error hierarchy for everything the Ashby API can answer.

Ashby reports most failures as HTTP 200 with ``success: false`` and one of several envelope shapes
(``errorInfo``, ``errors: ["code"]``, ``errors: [{message, parameter}]``, ``errorInfo: null``), and
a few as HTTP 401/403/429/5xx. ``error_from_response`` reads all of them and picks the class, so
callers catch by meaning (``except NotFoundError``) rather than by shape. Messages say what to do
next; none of them ever contains the API key or request headers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ashby_connector import catalog

__all__ = [
    "PAGINATION_ERROR_CODES",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AshbyError",
    "AuthenticationError",
    "ConflictError",
    "InvalidInputError",
    "NotFoundError",
    "OperationNotSupportedError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "SyncTokenExpiredError",
    "UnexpectedResponseError",
    "UnknownOperationError",
    "error_from_response",
    "looks_like_ashby",
]

# Every code Ashby uses to say "your cursor or syncToken can no longer be used"; recovery is the
# same for all of them: drop token and cursor and run a full sync.
PAGINATION_ERROR_CODES = frozenset(
    {
        "sync_token_expired",
        "sync_token_invalid",
        "next_cursor_expired",
        "invalid_next_cursor",
        "cursor_invalid",
        "incremental_sync_too_large",
    }
)
_FIELD_PREFIX = re.compile(r"^([A-Za-z_][\w.\[\]]*): ")
RATE_LIMIT_CODES = frozenset({"rate_limit_exceeded", "concurrent_limit_exceeded"})
# Codes that mean "this key is refused"; checked before the ``invalid_*`` prefix of invalid input.
AUTH_CODES = frozenset({"unauthorized", "unauthenticated", "invalid_api_key", "api_key_deactivated"})
CONFLICT_CODES = frozenset({"opening_in_use", "application_blocked"})


class AshbyError(Exception):
    """Base class of every error this package raises about Ashby."""


class OperationNotSupportedError(AshbyError):
    """Something Ashby's API cannot do at all (e.g. create a user); no request was sent."""


class UnknownOperationError(AshbyError, catalog.UnknownOperationError):
    """An operation name Ashby's API does not have, refused by the client before any request;
    ``.suggestions`` holds the catalog's closest names. Also a ``catalog.UnknownOperationError``
    (a ``KeyError``)."""


class APIConnectionError(AshbyError):
    """The request did not get an answer: DNS, refused connection, TLS, dropped connection."""

    def __init__(self, message: str, *, operation: str | None = None) -> None:
        self.operation = operation
        super().__init__(message)


class APITimeoutError(APIConnectionError):
    """No answer within the timeout."""


class APIError(AshbyError):
    """Ashby answered and said no."""

    default_hint = ""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        request_id: str | None = None,
        http_status: int = 200,
        operation: str | None = None,
        body: Any = None,
        retry_after: float | None = None,
        url: str | None = None,
    ) -> None:
        self.url = url
        self.code = code
        self.message = message
        self.request_id = request_id
        self.http_status = http_status
        self.operation = operation
        self.body = body
        self.retry_after = retry_after
        super().__init__(message)

    def __str__(self) -> str:
        head = f"{self.operation}: " if self.operation else ""
        message = tidy(self.message)
        code = f" [{self.code}]" if self.code else ""
        hint = self.default_hint
        if hint and _said(hint, message):
            hint = ""
        rid = f" (request id {self.request_id})" if self.request_id else ""
        return f"{head}{message.rstrip('. ')}{code}.{' ' + hint if hint else ''}{rid}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, "
            f"http_status={self.http_status}, operation={self.operation!r}, request_id={self.request_id!r})"
        )


class AuthenticationError(APIError):
    default_hint = (
        "Check the API key (ASHBY_API_KEY or api_key=): it must be an active Ashby API key "
        "(Admin > Integrations > API keys)."
    )


class PermissionDeniedError(APIError):
    def __init__(self, message: str, *, permission: str | None = None, **kwargs: Any) -> None:
        self.permission = permission
        super().__init__(message, **kwargs)

    @property
    def default_hint(self) -> str:  # type: ignore[override]
        where = "on the key in Ashby (Admin > Integrations > API keys)"
        if self.permission and self.permission in self.message:
            return f"Enable it {where}."  # Ashby's message already names it
        if self.permission:
            return f"The API key lacks the {self.permission} permission: enable it {where}."
        return "The API key lacks a permission this call needs: check the key's permissions in Ashby."


class NotFoundError(APIError):
    @property
    def default_hint(self) -> str:  # type: ignore[override]
        if self.code == "unknown_endpoint" or (self.http_status == 404 and not self.code):
            # Ashby answers a missing record with 200 and a *_not_found code; a 404 is the URL.
            where = f" at {self.url}" if self.url else ""
            return (
                f"There is no such endpoint{where}: check base_url (https://api.ashbyhq.com, or the "
                "emulator's address, with no path) and the operation name."
            )
        return "Check the id: it may be wrong, deleted, merged, or hidden from this key (confidential)."


class InvalidInputError(APIError):
    def __init__(self, message: str, *, field: str | None = None, **kwargs: Any) -> None:
        self.field = field
        super().__init__(message, **kwargs)

    @property
    def default_hint(self) -> str:  # type: ignore[override]
        if self.field:
            return f"Fix the field {self.field!r} in the request body."
        return "Fix the request body (see the operation's fields: `ashby-connector operations`)."


class ConflictError(APIError):
    default_hint = "The record is in a state that does not allow this change; reload it and retry."


class RateLimitError(APIError):
    default_hint = "Too many requests: wait and retry, or lower rate_limit_per_minute."
    # Ashby's X-RateLimit-Scope: "integration-partner" means throttling of every key of the partner.
    rate_limit_scope: str | None = None


class ServerError(APIError):
    default_hint = "Ashby had an internal error: retry later (reads are retried automatically)."


class SyncTokenExpiredError(APIError):
    default_hint = "Drop the stored syncToken and cursor and run a full sync."


class UnexpectedResponseError(ServerError):
    """An answer that is not from Ashby's API: an HTML page, a proxy's page, plain text, or JSON
    that is no Ashby envelope (usually a wrong ``base_url``). Retried for reads only on 5xx."""

    default_hint = (
        "Check base_url (https://api.ashbyhq.com, or the emulator's address, with no path) and any "
        "proxy between here and Ashby."
    )


def looks_like_ashby(body: Any) -> bool:
    """Is ``body`` (decoded JSON) one of Ashby's envelopes, success or error?"""
    return isinstance(body, Mapping) and any(k in body for k in ("success", "errorInfo", "errors", "results"))


def tidy(message: str) -> str:
    """Ashby's message as one clean line: no stray space before punctuation, no repeated sentence."""
    text = re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"\s+", " ", message)).strip()
    sentences: list[str] = []
    for sentence in re.split(r"(?<=[.!?;])\s+", text):
        if sentence and not any(_same(sentence, seen) for seen in sentences):
            sentences.append(sentence)
    return " ".join(sentences)


def _same(a: str, b: str) -> bool:
    return a.rstrip(".!?; ").lower() == b.rstrip(".!?; ").lower()


def _said(hint: str, message: str) -> bool:
    """Does ``message`` already say what ``hint`` says (the hint is then left out)?"""
    return hint.rstrip(". ").lower() in message.lower()


def _code_class(code: str | None) -> type[APIError] | None:
    if not code:
        return None
    if code in PAGINATION_ERROR_CODES:
        return SyncTokenExpiredError
    if code in RATE_LIMIT_CODES:
        return RateLimitError
    if code in CONFLICT_CODES:
        return ConflictError
    if code == "missing_endpoint_permission":
        return PermissionDeniedError
    if code in AUTH_CODES:
        return AuthenticationError
    if code == "invalid_input" or code.startswith("invalid_"):
        return InvalidInputError
    if code.endswith("_not_found"):
        return NotFoundError
    if code in ("generic_internal_error", "internal_error"):
        return ServerError
    return None


def _status_class(status: int) -> type[APIError] | None:
    if status == 401:
        return AuthenticationError
    if status == 403:
        return AuthenticationError
    if status == 404:
        return NotFoundError
    if status == 409:
        return ConflictError
    if status in (400, 422):
        return InvalidInputError
    if status == 429:
        return RateLimitError
    if status >= 500:
        return ServerError
    return None


def _read_errors_list(errors: Any) -> tuple[str | None, str | None, str | None]:
    """(code, message, field) from the deprecated ``errors`` array in either of its shapes."""
    if not isinstance(errors, list) or not errors:
        return None, None, None
    first = errors[0]
    if isinstance(first, str):
        # ["code"] shape; some old answers put a sentence here instead of a code.
        is_code = " " not in first and first.lower() == first
        if is_code:  # the message is then built from the code, not the code said twice
            return first, None, None
        return None, "; ".join(dict.fromkeys(str(e) for e in errors)), None
    if isinstance(first, Mapping):
        found = (str(e.get("message")) for e in errors if isinstance(e, Mapping) and e.get("message"))
        messages = list(dict.fromkeys(found))
        field = first.get("parameter") or first.get("field") or first.get("path")
        code = first.get("code")
        return (
            str(code) if code else None,
            "; ".join(messages) or None,
            str(field) if field else None,
        )
    return None, str(first), None


def _field_from_meta(meta: Any) -> str | None:
    if isinstance(meta, Mapping):
        for key in ("parameter", "field", "path", "fieldName"):
            value = meta.get(key)
            if isinstance(value, str) and value:
                return value
    return None


def error_from_response(
    *,
    operation: str | None,
    http_status: int,
    body: Any,
    request_id: str | None = None,
    permission: str | None = None,
    retry_after: float | None = None,
    url: str | None = None,
) -> APIError:
    """Build the right ``APIError`` subclass from an HTTP status and a decoded body (any shape)."""
    info = body.get("errorInfo") if isinstance(body, Mapping) else None
    code: str | None = None
    message: str | None = None
    field: str | None = None
    if isinstance(info, Mapping):
        code = str(info["code"]) if info.get("code") else None
        message = str(info["message"]) if info.get("message") else None
        request_id = str(info["requestId"]) if info.get("requestId") else request_id
        field = _field_from_meta(info.get("meta"))
    if isinstance(body, Mapping):
        list_code, list_message, list_field = _read_errors_list(body.get("errors"))
        code = code or list_code
        message = message or list_message
        field = field or list_field
        if not message and isinstance(body.get("message"), str):
            message = body["message"]
    if not message:
        message = f"Ashby answered HTTP {http_status} with no error details"
        if code:
            message = f"Ashby refused the request ({code.replace('_', ' ')})"
    if not field and message and code == "invalid_input":
        # Messages shaped "candidateId: must be a UUID" name the field first.
        match = _FIELD_PREFIX.match(message)
        field = match.group(1) if match else None
    # An error naming a field without a code is the old shape of invalid input.
    by_field = InvalidInputError if field and http_status < 500 else None
    cls = _code_class(code) or by_field or _status_class(http_status) or APIError
    if http_status in (401, 403) and cls is not PermissionDeniedError:
        # 401/403 is a refused key whatever the code says (``invalid_api_key`` is not bad input);
        # only ``missing_endpoint_permission`` means a valid key without the permission.
        cls = AuthenticationError
    kwargs: dict[str, Any] = {
        "code": code,
        "request_id": request_id,
        "http_status": http_status,
        "operation": operation,
        "body": body,
        "retry_after": retry_after,
        "url": url,
    }
    if cls is PermissionDeniedError:
        return PermissionDeniedError(message, permission=permission, **kwargs)
    if cls is InvalidInputError:
        return InvalidInputError(message, field=field, **kwargs)
    return cls(message, **kwargs)
