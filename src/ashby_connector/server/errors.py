"""Every error of every route as ``{"error": {"code", "message", "field"}}`` with a stable code;
never a 500 for bad input, never a Python object inside a message."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ashby_connector import errors as ashby_errors
from ashby_connector.core.errors import CoreError, envelope, from_ashby
from ashby_connector.store.errors import StoreError

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


def render(error: CoreError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status)


def _field(loc: tuple[Any, ...] | list[Any]) -> str | None:
    # FastAPI locations start with where ("body", "query", "header", "path").
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else [str(p) for p in loc]
    return ".".join(parts) or None


def install(app: FastAPI) -> None:
    @app.exception_handler(CoreError)
    async def _core(_: Request, exc: CoreError) -> JSONResponse:
        return render(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        if first.get("type") == "json_invalid":
            return render(CoreError(400, "malformed_json", "the request body is not valid JSON", "body"))
        message = str(first.get("msg", "invalid request"))
        return render(CoreError(422, "invalid_request", message, _field(first.get("loc", ()))))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        detail = exc.detail if isinstance(exc.detail, str) else HTTP_CODES.get(status, "request failed")
        return JSONResponse(envelope(HTTP_CODES.get(status, "http_error"), detail), status_code=status)

    @app.exception_handler(ashby_errors.AshbyError)
    async def _ashby(_: Request, exc: ashby_errors.AshbyError) -> JSONResponse:
        return render(from_ashby(exc))

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: StoreError) -> JSONResponse:
        log.error("store error on %s %s: %s", request.method, request.url.path, exc)
        return render(CoreError(503, "store_unavailable", "the server cannot use its database right now"))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Log the type and path only: an exception's text could carry request data.
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return render(CoreError(500, "internal_error", "the server failed; see its log"))
