"""Request dependencies: the application core, the tenant behind the platform key, and the
connection a request names."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from ashby_connector.core.app import Core
from ashby_connector.core.connections.requested_operations import RequestedOperations
from ashby_connector.core.errors import CoreError
from ashby_connector.store.tenancy import ConnectionRow


def core(request: Request) -> Core:
    found: Core = request.app.state.core
    return found


CoreDep = Annotated[Core, Depends(core)]


def tenant(
    core: CoreDep,
    authorization: Annotated[str | None, Header(description="Bearer <platform secret key>")] = None,
) -> str:
    if not authorization:
        raise CoreError(
            401, "missing_key", "send your platform key as 'Authorization: Bearer <key>'", "Authorization"
        )
    scheme, _, key = authorization.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key or len(key) > 200:
        message = "the Authorization header must be 'Bearer <key>'"
        raise CoreError(401, "invalid_key", message, "Authorization")
    tenant_id = core.tenancy.tenant_for_key(key)
    if tenant_id is None:
        raise CoreError(401, "invalid_key", "unknown or revoked platform key", "Authorization")
    return tenant_id


Tenant = Annotated[str, Depends(tenant)]


def connection(
    core: CoreDep,
    tenant_id: Tenant,
    x_connection_id: Annotated[str | None, Header(description="The connection this request is about")] = None,
) -> ConnectionRow:
    if not x_connection_id:
        raise CoreError(
            400,
            "missing_connection",
            "name the connection with the X-Connection-Id header",
            "X-Connection-Id",
        )
    return core.connections.get(tenant_id, x_connection_id, "X-Connection-Id")


Connection = Annotated[ConnectionRow, Depends(connection)]


def requested(conn: ConnectionRow) -> RequestedOperations:
    """What the connection may do: its requested operations, or anything when it named none."""
    return RequestedOperations.of(conn.operations)
