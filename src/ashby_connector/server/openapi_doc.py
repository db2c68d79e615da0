"""The OpenAPI document as clients need it: every unified model's schema (the resource routes are
generic), and every operation's error answers in the one envelope the server sends
(``{"error": {"code", "message", "field"}}``) instead of FastAPI's ``{"detail": [...]}``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from ashby_connector.core.resources.schemas import model_schemas
from ashby_connector.server.answers import ErrorBody

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
# Status -> when it is answered, for the operations it can apply to.
_ERRORS = {
    "400": "Bad request: malformed JSON, a missing X-Connection-Id, an unknown filter",
    "401": "No platform key, or one that is unknown or revoked",
    "403": "The connection did not request this operation (operation_not_requested)",
    "404": "No such connection or record (another tenant's answers the same)",
    "409": "Conflicts with the current state (a running sync, a name taken)",
    "415": "The body is not sent as JSON (Content-Type: application/json)",
    "422": "Invalid input; field names it",
    "429": "Too many requests",
    "500": "The server failed; see its log",
    "502": "Ashby answered with an error or could not be reached",
    "503": "The server cannot use its database right now",
}


def _error_statuses(path: str, operation: dict[str, Any]) -> list[str]:
    params = {p.get("name", "").lower() for p in operation.get("parameters", [])}
    secured = bool(operation.get("security"))
    statuses = ["400", "422", "500", "503"]
    if secured:
        statuses.append("401")
    if "{" in path or "x-connection-id" in params:
        statuses.append("404")
    if "x-connection-id" in params:
        statuses += ["403", "502"]
    if operation.get("requestBody") or secured:
        statuses.append("409")
    if operation.get("requestBody"):
        statuses.append("415")
    return sorted(set(statuses))


def install(app: FastAPI) -> None:
    base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = base()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        models, referred = model_schemas("#/components/schemas/{model}")
        for name, sub in referred.items():
            schemas.setdefault(name, sub)
        schemas.update(models)
        error_schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in error_schema.pop("$defs", {}).items():
            schemas.setdefault(name, sub)
        schemas["ErrorBody"] = error_schema
        for path, operations in document.get("paths", {}).items():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                declared = {s for s in responses if s[0] in "45"}
                for status in sorted(declared | set(_error_statuses(path, operation))):
                    described = responses.get(status, {})
                    responses[status] = {
                        "description": described.get("description") or _ERRORS.get(status, "Error"),
                        "content": {"application/json": {"schema": ERROR_REF}},
                    }
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
