"""Every error of every route as ``{"error": {"code", "message", "field"}}`` with a stable code;
never a 500 for bad input, never a Python object inside a message."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ashby_connector.core.errors import AshbyError, CoreError, Refusal, StoreError, envelope, from_ashby

log = logging.getLogger("ashby_connector.server")

# Framework errors (no route, wrong method, body too large) by status.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
}


def render(error: Refusal) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status)


def _field(loc: tuple[Any, ...] | list[Any]) -> str | None:
    # FastAPI locations start with where ("body", "query", "header", "path").
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else [str(p) for p in loc]
    return ".".join(parts) or None


def install(app: FastAPI) -> None:
    # Every refusal of a use case, whichever layer raised it (CoreError, ScheduleError,
    # QueryParamError, OperationNotRequested, SettingRefused, ...): one envelope, its own status.
    @app.exception_handler(Refusal)
    async def _refused(_: Request, exc: Refusal) -> JSONResponse:
        return render(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        if first.get("type") == "json_invalid":
            return render(CoreError(400, "malformed_json", "the request body is not valid JSON", "body"))
        content_type = request.headers.get("content-type", "")
        if tuple(first.get("loc", ())) == ("body",) and "json" not in content_type:
            # curl -d sends a form content type: the JSON body was read as text.
            message = (
                f"the body must be JSON sent with 'Content-Type: application/json' "
                f"(this request said {content_type or 'nothing'!r})"
            )
            return render(CoreError(415, "unsupported_media_type", message, "Content-Type"))
        message = str(first.get("msg", "invalid request"))
        return render(CoreError(422, "invalid_request", message, _field(first.get("loc", ()))))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        detail = exc.detail if isinstance(exc.detail, str) else HTTP_CODES.get(status, "request failed")
        return JSONResponse(envelope(HTTP_CODES.get(status, "http_error"), detail), status_code=status)

    @app.exception_handler(AshbyError)
    async def _ashby(_: Request, exc: AshbyError) -> JSONResponse:
        return render(from_ashby(exc))

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: StoreError) -> JSONResponse:
        log.error("store error on %s %s: %s", request.method, route_of(request.scope), exc)
        return render(CoreError(503, "store_unavailable", "the server cannot use its database right now"))


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
            response = render(CoreError(500, "internal_error", "the server failed; see its log"))
            await response(scope, receive, send)
