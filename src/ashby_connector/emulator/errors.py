"""Errors a handler raises to answer with Ashby's error envelope."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Answered as ``{"success": false, "errorInfo": {...}, "errors": [...]}``.

    Ashby answers most client errors with HTTP 200 and ``success: false``; auth failures use 401/403,
    rate limits 429. ``field`` names the offending request field for ``invalid_input``.
    """

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        http_status: int = 200,
        field: str | None = None,
        meta: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code.replace("_", " ")
        self.http_status = http_status
        self.meta = dict(meta or {})
        if field is not None:
            self.meta.setdefault("field", field)
        self.headers = dict(headers or {})


def invalid_input(field: str, message: str) -> ApiError:
    return ApiError("invalid_input", f"{field}: {message}" if field else message, field=field)


def not_found(kind: str, ident: Any) -> ApiError:
    return ApiError(f"{_snake(kind)}_not_found", f"{kind} {ident} not found", meta={"id": ident})


def _snake(name: str) -> str:
    out = []
    for ch in name:
        if ch.isupper():
            out.append("_" + ch.lower())
        else:
            out.append(ch)
    return "".join(out).lstrip("_")
