"""JSON errors with a stable code, a message and the offending field; never a 500 for bad input."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ashby_connector import errors as ashby_errors
from ashby_connector.core.query_params import QueryParamError
from ashby_connector.core.requested_operations import OperationNotRequested
from ashby_connector.webhooks.registration import RegistrationError
from ashby_connector.webhooks.subscriptions import SubscriptionError

log = logging.getLogger("ashby_connector.server")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.extra = extra


def body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field, **extra}}


def _json(status: int, code: str, message: str, field: str | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse(body(code, message, field, **extra), status_code=status)


def _field(loc: tuple[Any, ...] | list[Any]) -> str | None:
    # FastAPI locations start with where ("body", "query", "header", "path").
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else [str(p) for p in loc]
    return ".".join(parts) or None


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


def ashby_error_response(exc: ashby_errors.AshbyError) -> JSONResponse:
    for cls, status, code in _ASHBY_STATUS:
        if isinstance(exc, cls):
            extra: dict[str, Any] = {}
            if isinstance(exc, ashby_errors.APIError):
                extra["ashbyCode"] = exc.code
            if isinstance(exc, ashby_errors.PermissionDeniedError) and exc.permission:
                extra["permission"] = exc.permission
            field = getattr(exc, "field", None)
            return _json(status, code, str(exc), field if isinstance(field, str) else None, **extra)
    return _json(502, "ashby_error", str(exc))


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _json(exc.status, exc.code, exc.message, exc.field, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        if first.get("type") == "json_invalid":
            return _json(400, "malformed_json", "the request body is not valid JSON", "body")
        message = str(first.get("msg", "invalid request"))
        return _json(422, "invalid_request", message, _field(first.get("loc", ())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}
        return _json(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail))

    @app.exception_handler(QueryParamError)
    async def _query(_: Request, exc: QueryParamError) -> JSONResponse:
        status = 400 if exc.code in ("unknown_filter", "too_many_values") else 422
        return _json(status, exc.code, str(exc), exc.field)

    @app.exception_handler(SubscriptionError)
    @app.exception_handler(RegistrationError)
    async def _outbound(_: Request, exc: Exception) -> JSONResponse:
        # 422 naming the outbound-URL rule that refused the URL, or what else was wrong.
        rule = getattr(exc, "rule", None)
        if rule is not None:
            return _json(422, "outbound_url_refused", str(exc), "url", rule=rule)
        return _json(422, "invalid_input", str(exc))

    @app.exception_handler(OperationNotRequested)
    async def _not_requested(_: Request, exc: OperationNotRequested) -> JSONResponse:
        return _json(403, "operation_not_requested", str(exc), None, operation=exc.what, request=exc.request)

    @app.exception_handler(ashby_errors.AshbyError)
    async def _ashby(_: Request, exc: ashby_errors.AshbyError) -> JSONResponse:
        return ashby_error_response(exc)



def route_of(scope: Scope) -> str:
    """The matched route's template (``/connect/{token}``), never the path: paths carry tokens."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    return template if isinstance(template, str) else "(no route)"


class UnexpectedErrors:
    """Answers 500 for an unhandled exception and logs its type and route only.

    A pure ASGI middleware inside Starlette's outermost one: an exception handler for ``Exception``
    would still let Starlette re-raise the exception to the ASGI server, which prints the full
    traceback (whose frames hold request data, keys and tokens).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            log.error("unhandled %s on %s %s", type(exc).__name__, scope.get("method"), route_of(scope))
            if started:
                return  # the answer is on its way; nothing more can be said
            response = _json(500, "internal_error", "the server failed; see its log")
            await response(scope, receive, send)
