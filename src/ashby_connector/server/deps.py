"""Request dependencies: the tenant behind the platform key, and the connection it names."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from ashby_connector.core.requested_operations import RequestedOperations
from ashby_connector.server.context import ServerContext
from ashby_connector.server.errors import ApiError
from ashby_connector.server.repo import ConnectionRow


def context(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx


Ctx = Annotated[ServerContext, Depends(context)]


def tenant(
    ctx: Ctx,
    authorization: Annotated[str | None, Header(description="Bearer <platform secret key>")] = None,
) -> str:
    if not authorization:
        raise ApiError(
            401, "missing_key", "send your platform key as 'Authorization: Bearer <key>'", "Authorization"
        )
    scheme, _, key = authorization.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key or len(key) > 200:
        raise ApiError(401, "invalid_key", "the Authorization header must be 'Bearer <key>'", "Authorization")
    tenant_id = ctx.repo.tenant_for_key(key)
    if tenant_id is None:
        raise ApiError(401, "invalid_key", "unknown or revoked platform key", "Authorization")
    return tenant_id


Tenant = Annotated[str, Depends(tenant)]


def connection_by_id(ctx: ServerContext, tenant_id: str, connection_id: str, field: str) -> ConnectionRow:
    row = ctx.repo.get_connection(tenant_id, connection_id) if len(connection_id) <= 64 else None
    if row is None:
        # The same answer whether the id is unknown or another tenant's: nothing leaks.
        raise ApiError(404, "connection_not_found", "no such connection", field)
    return row


def connection(
    ctx: Ctx,
    tenant_id: Tenant,
    x_connection_id: Annotated[str | None, Header(description="The connection this request is about")] = None,
) -> ConnectionRow:
    if not x_connection_id:
        raise ApiError(
            400,
            "missing_connection",
            "name the connection with the X-Connection-Id header",
            "X-Connection-Id",
        )
    return connection_by_id(ctx, tenant_id, x_connection_id, "X-Connection-Id")


Connection = Annotated[ConnectionRow, Depends(connection)]


def requested(conn: ConnectionRow) -> RequestedOperations:
    """What the connection may do: its requested operations, or anything when it named none."""
    return RequestedOperations.of(conn.operations)
