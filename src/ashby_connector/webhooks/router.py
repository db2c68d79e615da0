"""The HTTP face of the webhooks part (the only module here that imports FastAPI).

The server includes ``webhook_router(...)``. Inbound Ashby webhooks are authenticated by their
signature only; the tenant endpoints reuse the server's dependencies, passed in as callables.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from ashby_connector.server.context import ServerContext
from ashby_connector.webhooks.deliverer import delivery_log
from ashby_connector.webhooks.ports import AshbyCaller
from ashby_connector.webhooks.service import WebhookService
from ashby_connector.webhooks.signature import SIGNATURE_HEADER
from ashby_connector.webhooks.wiring import service_for_context

# (tenant_id, connection_id) -> the connection's client, or None when the tenant has no such connection.
ConnectionClient = Callable[[str, str], AshbyCaller | None]


Url = Annotated[str, Field(min_length=1, max_length=2000)]
Names = Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=200)]
ConnectionId = Annotated[str, Field(max_length=64)]


class SubscriptionIn(BaseModel):
    url: Url
    models: Names = Field(default_factory=list)
    events: Names = Field(default_factory=list)
    connectionId: ConnectionId | None = None


class SubscriptionPatch(BaseModel):
    url: Url | None = None
    models: Names | None = None
    events: Names | None = None
    enabled: bool | None = None
    connectionId: ConnectionId | None = None


class RegisterIn(BaseModel):
    url: Url
    types: Names = Field(default_factory=list)


def webhook_router(
    service: WebhookService,
    *,
    tenant_id: Callable[..., str],
    connection_client: ConnectionClient,
) -> APIRouter:
    """``tenant_id`` is a FastAPI dependency answering the calling tenant's id (401 otherwise)."""

    @asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        service.ensure_started()
        yield
        service.stop()

    router = APIRouter(lifespan=lifespan)
    # SQLite has one writer and answers in microseconds: writing on the event loop is fastest. A
    # PostgreSQL commit waits on the network and the disk, so there many run at once in threads.
    inline = service.engine.dialect.name == "sqlite"

    async def receive_ashby(request: Request) -> Response:
        service.ensure_started()  # also when the host runs without lifespan events
        body = await request.body()
        connection_id = request.path_params["connection_id"]
        signature = request.headers.get(SIGNATURE_HEADER)
        if inline:
            receipt = service.receive(connection_id, body, signature)
        else:
            receipt = await run_in_threadpool(service.receive, connection_id, body, signature)
        return Response(
            orjson.dumps(receipt.body), status_code=receipt.status_code, media_type="application/json"
        )

    # A plain Starlette route: this is the hot path (1,000s of events a second), and FastAPI's
    # dependency and response handling would only add work. Authenticated by the signature alone.
    router.add_route(
        "/webhooks/ashby/{connection_id}", receive_ashby, methods=["POST"], include_in_schema=False
    )

    # -- registration with Ashby ----------------------------------------------------------------
    def _client(tenant: str, connection_id: str) -> AshbyCaller:
        client = connection_client(tenant, connection_id)
        if client is None:
            raise HTTPException(
                404, detail={"error": "not_found", "message": f"no connection {connection_id}"}
            )
        return client

    @router.post("/connections/{connection_id}/webhooks", tags=["webhooks"])
    def register(connection_id: str, payload: RegisterIn, tenant: str = Depends(tenant_id)) -> dict[str, Any]:
        client = _client(tenant, connection_id)
        # A RegistrationError is answered 422 by the server (naming the outbound rule).
        settings = service.registry.register(connection_id, client, payload.url, payload.types or None)
        return {"connectionId": connection_id, "webhooks": [s.to_api() for s in settings]}

    @router.get("/connections/{connection_id}/webhooks", tags=["webhooks"])
    def list_registered(connection_id: str, tenant: str = Depends(tenant_id)) -> dict[str, Any]:
        _client(tenant, connection_id)
        return {
            "connectionId": connection_id,
            "webhooks": [s.to_api() for s in service.registry.settings(connection_id)],
        }

    @router.delete("/connections/{connection_id}/webhooks", tags=["webhooks"])
    def unregister(connection_id: str, tenant: str = Depends(tenant_id)) -> dict[str, Any]:
        client = _client(tenant, connection_id)
        return {"connectionId": connection_id, "removed": service.registry.unregister(connection_id, client)}

    # -- subscriptions --------------------------------------------------------------------------
    def _found(sub: Any, subscription_id: str) -> Any:
        if sub is None:
            raise HTTPException(
                404, detail={"error": "not_found", "message": f"no subscription {subscription_id}"}
            )
        return sub

    def _check_connection(tenant: str, connection_id: str | None) -> None:
        if connection_id is not None:
            _client(tenant, connection_id)

    @router.post("/subscriptions", status_code=201, tags=["subscriptions"])
    def create_subscription(payload: SubscriptionIn, tenant: str = Depends(tenant_id)) -> dict[str, Any]:
        _check_connection(tenant, payload.connectionId)
        # A SubscriptionError is answered 422 by the server (naming the outbound rule).
        sub, secret = service.subscriptions.create(
            tenant,
            url=payload.url,
            models=payload.models,
            events=payload.events,
            connection_id=payload.connectionId,
        )
        return sub.to_api(secret=secret)

    @router.get("/subscriptions", tags=["subscriptions"])
    def list_subscriptions(tenant: str = Depends(tenant_id)) -> dict[str, Any]:
        return {"results": [s.to_api() for s in service.subscriptions.for_tenant(tenant)]}

    @router.get("/subscriptions/{subscription_id}", tags=["subscriptions"])
    def get_subscription(subscription_id: str, tenant: str = Depends(tenant_id)) -> dict[str, Any]:
        return dict(_found(service.subscriptions.get(tenant, subscription_id), subscription_id).to_api())

    @router.patch("/subscriptions/{subscription_id}", tags=["subscriptions"])
    def update_subscription(
        subscription_id: str, payload: SubscriptionPatch, tenant: str = Depends(tenant_id)
    ) -> dict[str, Any]:
        changes = payload.model_dump(exclude_unset=True)
        # null leaves a field as it is (connectionId: null makes the subscription tenant-wide).
        changes = {k: v for k, v in changes.items() if v is not None or k == "connectionId"}
        if "connectionId" in changes:
            changes["connection_id"] = changes.pop("connectionId")
            _check_connection(tenant, changes["connection_id"])
        sub = service.subscriptions.update(tenant, subscription_id, **changes)
        return dict(_found(sub, subscription_id).to_api())

    @router.delete("/subscriptions/{subscription_id}", status_code=204, tags=["subscriptions"])
    def delete_subscription(subscription_id: str, tenant: str = Depends(tenant_id)) -> Response:
        if not service.subscriptions.delete(tenant, subscription_id):
            _found(None, subscription_id)
        return Response(status_code=204)

    @router.get("/subscriptions/{subscription_id}/deliveries", tags=["subscriptions"])
    def deliveries(
        subscription_id: str,
        limit: int = Query(100, ge=1, le=500),
        # A delivery id (``nextBefore`` of the previous page); ids fit a signed 64-bit integer.
        before: int | None = Query(None, ge=1, le=2**63 - 1),
        tenant: str = Depends(tenant_id),
    ) -> dict[str, Any]:
        _found(service.subscriptions.get(tenant, subscription_id), subscription_id)
        rows = delivery_log(service.engine, subscription_id, limit=limit, before=before)
        return {"results": rows, "nextBefore": rows[-1]["id"] if len(rows) == limit else None}

    return router


def server_extension(ctx: ServerContext, tenant_dep: Callable[..., str]) -> APIRouter:
    """What ``server.create_app`` includes: the service over the server's store, keys and tenants."""
    service = service_for_context(ctx)

    def connection_client(tenant: str, connection_id: str) -> AshbyCaller | None:
        row = ctx.repo.get_connection(tenant, connection_id) if len(connection_id) <= 64 else None
        return ctx.client_for(row) if row is not None else None

    return webhook_router(service, tenant_id=tenant_dep, connection_client=connection_client)
