"""``POST /proxy/{operation}``: any Ashby operation with the connection's key, answered as is
(``core.connections.proxy``: the URL comes from the configured base URL and the catalog only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from ashby_connector.server import answers as answers_
from ashby_connector.server.answers import answers
from ashby_connector.server.deps import Connection, CoreDep

router = APIRouter(tags=["proxy"])


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
    answer = core.proxy.call(conn, operation, body)
    return Response(
        answer.content, status_code=answer.status_code, headers=answer.headers, media_type=answer.media_type
    )
