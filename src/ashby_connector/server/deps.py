"""Request dependencies: the application core, the tenant behind the platform key, and the
connection a request names.

They are ``async`` although they do not await: FastAPI runs a plain ``def`` dependency in its
thread pool, and three thread hops per request cost more than the lookups themselves (about
a third of a retrieve's CPU). The key and connection lookups are cached in the core (a dict
read; a miss reads the store once every 2 s per key, which briefly holds the event loop).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ashby_connector.core import ConnectionRow
from ashby_connector.core.app import Core
from ashby_connector.core.connections.requested_operations import RequestedOperations


async def core(request: Request) -> Core:
    found: Core = request.app.state.core
    return found


CoreDep = Annotated[Core, Depends(core)]


# The platform key as OpenAPI's HTTP Bearer scheme: Swagger UI's "Authorize" sends it, generated
# clients take it as a token. The checks below read the header themselves, for precise errors.
platform_key = HTTPBearer(
    auto_error=False,
    scheme_name="platformKey",
    description="Your platform secret key (`ashby-connector keys create`), sent as "
    "`Authorization: Bearer <key>`",
)


async def tenant(
    core: CoreDep,
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(platform_key)] = None,
) -> str:
    return core.connections.authenticate(request.headers.get("authorization"))


Tenant = Annotated[str, Depends(tenant)]


async def connection(
    core: CoreDep,
    tenant_id: Tenant,
    x_connection_id: Annotated[str | None, Header(description="The connection this request is about")] = None,
) -> ConnectionRow:
    return core.connections.named(tenant_id, x_connection_id)


Connection = Annotated[ConnectionRow, Depends(connection)]


def requested(conn: ConnectionRow) -> RequestedOperations:
    """What the connection may do: its requested operations, or anything when it named none."""
    return RequestedOperations.of(conn.operations)
