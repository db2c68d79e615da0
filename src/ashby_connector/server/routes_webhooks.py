"""Webhook routes: Ashby's inbound webhooks, registering with Ashby, and subscriptions to unified
events. Inbound webhooks are authenticated by their signature alone; the others by platform key."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from ashby_connector.core.app import Core
from ashby_connector.core.connections.ashby_webhooks import SIGNATURE_HEADER
from ashby_connector.core.errors import envelope
from ashby_connector.server import answers as answers_
from ashby_connector.server.answers import answers
from ashby_connector.server.deps import CoreDep, Tenant, requested

router = APIRouter()

# Bounded so no input reaches the store or a log unbounded (each name is an Ashby model or event).
Name = Annotated[str, Field(max_length=100)]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=2000)
    models: list[Name] = Field(default_factory=list, max_length=100)
    events: list[Name] = Field(default_factory=list, max_length=10)
    connectionId: str | None = Field(default=None, max_length=64)


class SubscriptionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str | None = Field(default=None, max_length=2000)
    models: list[Name] | None = Field(default=None, max_length=100)
    events: list[Name] | None = Field(default=None, max_length=10)
    enabled: bool | None = None
    connectionId: str | None = Field(default=None, max_length=64)


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=2000, description="Public base URL of this server (Ashby must reach it)")
    types: list[Name] = Field(default_factory=list, max_length=100)


# -- inbound ---------------------------------------------------------------------------------------
@router.post(
    "/webhooks/ashby/{connection_id}",
    tags=["webhooks"],
    summary="Ashby's webhooks for one connection (signed with its secret)",
    responses={
        200: {"model": answers_.Accepted, "description": "Received (stored before this answer)"},
        401: {"description": "missing or wrong Ashby-Signature"},
        404: {"description": "no webhooks are registered for this connection (or it was deleted)"},
    },
)
async def receive_ashby(connection_id: str, request: Request) -> Response:
    core: Core = request.app.state.core
    core.webhooks.ensure_started()  # also when the host runs without lifespan events
    body = await request.body()
    signature = request.headers.get(SIGNATURE_HEADER)
    if core.single_writer:
        receipt = core.webhooks.receive(connection_id, body, signature)
    else:
        receipt = await run_in_threadpool(core.webhooks.receive, connection_id, body, signature)
    if receipt.code is not None:
        answer = envelope(receipt.code, receipt.message or receipt.code, receipt.field)
    else:
        answer = {"status": receipt.status}
    return Response(orjson.dumps(answer), status_code=receipt.status_code, media_type="application/json")


# -- registration with Ashby -----------------------------------------------------------------------
@router.post(
    "/connections/{connection_id}/webhooks",
    tags=["webhooks"],
    summary="Register Ashby webhooks",
    **answers(answers_.RegisteredWebhooks),
)
def register(connection_id: str, payload: RegisterIn, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    """A connection with requested operations registers only when it requested
    ``ashbyWebhooks::register``, and only the types that carry records it may read."""
    row = core.connections.get(tenant_id, connection_id)
    settings = core.ashby_webhooks.register(row.id, payload.url, payload.types, requested=requested(row))
    return {"connectionId": connection_id, "webhooks": [s.to_api() for s in settings]}


@router.get(
    "/connections/{connection_id}/webhooks",
    tags=["webhooks"],
    summary="Registered Ashby webhooks",
    **answers(answers_.RegisteredWebhooks),
)
def list_registered(connection_id: str, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    row = core.connections.get(tenant_id, connection_id)
    return {"connectionId": row.id, "webhooks": [s.to_api() for s in core.ashby_webhooks.settings(row.id)]}


@router.delete(
    "/connections/{connection_id}/webhooks",
    tags=["webhooks"],
    summary="Remove Ashby webhooks",
    **answers(answers_.WebhooksRemoved),
)
def unregister(connection_id: str, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    row = core.connections.get(tenant_id, connection_id)
    return {"connectionId": connection_id, "removed": core.ashby_webhooks.unregister(row.id)}


# -- subscriptions ---------------------------------------------------------------------------------
def _check_connection(core: Core, tenant_id: str, connection_id: str | None) -> None:
    if connection_id is not None:
        core.connections.get(tenant_id, connection_id, "connectionId")


@router.post(
    "/subscriptions",
    status_code=201,
    tags=["subscriptions"],
    summary="Subscribe to unified events",
    **answers(answers_.Subscription, 201),
)
def create_subscription(payload: SubscriptionIn, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    _check_connection(core, tenant_id, payload.connectionId)
    sub, secret = core.subscriptions.create(
        tenant_id,
        url=payload.url,
        models=payload.models,
        events=payload.events,
        connection_id=payload.connectionId,
    )
    return sub.to_api(secret=secret)


@router.get(
    "/subscriptions",
    tags=["subscriptions"],
    summary="Your subscriptions",
    **answers(answers_.SubscriptionList),
)
def list_subscriptions(core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    return {"results": [s.to_api() for s in core.subscriptions.all(tenant_id)]}


@router.get(
    "/subscriptions/{subscription_id}",
    tags=["subscriptions"],
    summary="One subscription",
    **answers(answers_.Subscription),
)
def get_subscription(subscription_id: str, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    return dict(core.subscriptions.get(tenant_id, subscription_id).to_api())


@router.patch(
    "/subscriptions/{subscription_id}",
    tags=["subscriptions"],
    summary="Change a subscription",
    **answers(answers_.Subscription),
)
def update_subscription(
    subscription_id: str, payload: SubscriptionPatch, core: CoreDep, tenant_id: Tenant
) -> dict[str, Any]:
    changes = payload.model_dump(exclude_unset=True)
    # null leaves a field as it is (connectionId: null makes the subscription tenant-wide).
    changes = {k: v for k, v in changes.items() if v is not None or k == "connectionId"}
    if "connectionId" in changes:
        changes["connection_id"] = changes.pop("connectionId")
        _check_connection(core, tenant_id, changes["connection_id"])
    return dict(core.subscriptions.update(tenant_id, subscription_id, **changes).to_api())


@router.delete(
    "/subscriptions/{subscription_id}", status_code=204, tags=["subscriptions"], summary="Unsubscribe"
)
def delete_subscription(subscription_id: str, core: CoreDep, tenant_id: Tenant) -> Response:
    core.subscriptions.delete(tenant_id, subscription_id)
    return Response(status_code=204)


@router.get(
    "/subscriptions/{subscription_id}/deliveries",
    tags=["subscriptions"],
    summary="Delivery attempts",
    **answers(answers_.Deliveries),
)
def deliveries(
    subscription_id: str,
    core: CoreDep,
    tenant_id: Tenant,
    limit: int = Query(100, ge=1, le=500),
    # A delivery id (``nextBefore`` of the previous page); ids fit a signed 64-bit integer.
    before: int | None = Query(None, ge=1, le=2**63 - 1),
) -> dict[str, Any]:
    rows = core.deliveries.attempts(tenant_id, subscription_id, limit=limit, before=before)
    return {"results": rows, "nextBefore": rows[-1]["id"] if len(rows) == limit else None}


@router.get(
    "/subscriptions/{subscription_id}/events",
    tags=["subscriptions"],
    summary="Events queued for the subscription: status, attempts, next retry, last answer",
    **answers(answers_.SubscriberEvents),
)
def subscriber_events(
    subscription_id: str,
    core: CoreDep,
    tenant_id: Tenant,
    status: Literal["pending", "delivered", "failed"] | None = None,
    limit: int = Query(50, ge=1, le=500),
) -> dict[str, Any]:
    """Newest first. ``failed``: every retry failed and delivery stopped (replay it with
    ``POST .../events/{id}/replay``); ``pending`` with attempts: retried at ``nextRetryAt``."""
    return {"results": core.deliveries.events(tenant_id, subscription_id, limit=limit, status=status)}


@router.post(
    "/subscriptions/{subscription_id}/events/{event_id}/replay",
    status_code=202,
    tags=["subscriptions"],
    summary="Send a failed event again",
    **answers(answers_.EventReplayed, 202),
)
def replay_event(
    subscription_id: str,
    event_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    core: CoreDep,
    tenant_id: Tenant,
) -> dict[str, Any]:
    """Queues the event again with a fresh round of retries; 404 unless it failed."""
    core.deliveries.replay(tenant_id, subscription_id, event_id)
    return {"id": event_id, "status": "pending"}


@router.get(
    "/connections/{connection_id}/webhooks/received",
    tags=["webhooks"],
    summary="The newest webhooks Ashby sent for the connection",
    **answers(answers_.ReceivedWebhooks),
)
def received(
    connection_id: str, core: CoreDep, tenant_id: Tenant, limit: int = Query(20, ge=1, le=500)
) -> dict[str, Any]:
    row = core.connections.get(tenant_id, connection_id)
    return {"results": core.deliveries.inbound(row.id, limit=limit)}
