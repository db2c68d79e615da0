"""``POST /proxy/{operation}``: any Ashby operation with the connection's key, answered as is.

The URL is built only from the configured base URL and the catalog's own name for the operation,
never from the request: no host, scheme, path or header of the caller reaches the outgoing call.
"""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import orjson
from fastapi import APIRouter, Body, Response

from ashby_connector import catalog
from ashby_connector.core.connections.key_budget import KeyBudget
from ashby_connector.core.errors import CoreError
from ashby_connector.server import answers as answers_
from ashby_connector.server.answers import answers
from ashby_connector.server.deps import Connection, CoreDep, requested

router = APIRouter(tags=["proxy"])


def resolve(operation: str) -> catalog.Operation:
    """The catalog's operation for ``operation``; 404 (with suggestions) for anything else."""
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


@router.post(
    "/proxy/{operation}",
    summary="Call any Ashby operation with the connection's key",
    **answers(answers_.AshbyAnswer),
)
def proxy(
    operation: str,
    core: CoreDep,
    conn: Connection,
    body: Annotated[dict[str, Any] | None, Body(description="The operation's JSON body")] = None,
) -> Response:
    op = resolve(operation)
    requested(conn).require_ashby(op.name)
    key = core.box.decrypt(conn.api_key_encrypted)
    budget = KeyBudget.take_for(key, core.settings.rate_limit_per_minute)
    try:
        answer = core.http.post(
            target_url(core.settings.ashby_base_url, op),
            content=orjson.dumps(body or {}),
            auth=httpx.BasicAuth(key, ""),
            headers={"Content-Type": "application/json", "Accept": "application/json; version=1"},
        )
    except httpx.HTTPError as exc:
        raise CoreError(502, "ashby_unreachable", f"could not reach Ashby: {type(exc).__name__}") from None
    budget.answered(op.name, answer, conn.id)
    headers = {
        k: v
        for k, v in answer.headers.items()
        if k.lower() in ("x-ashby-request-id", "ashby-version", "retry-after")
    }
    return Response(
        answer.content,
        status_code=answer.status_code,
        headers=headers,
        media_type=answer.headers.get("content-type", "application/json"),
    )
