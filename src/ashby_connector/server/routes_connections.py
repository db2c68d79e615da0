"""``/connections``: add a customer's Ashby key, see what it can do, rotate it, delete it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ashby_connector.core.connections.mappings import FieldMapEntry
from ashby_connector.core.connections.views import connection_view, last_sync_view
from ashby_connector.core.freshness import health as connection_health
from ashby_connector.server import answers as answers_
from ashby_connector.server.answers import answers
from ashby_connector.server.deps import CoreDep, Tenant

router = APIRouter(tags=["connections"])


class ConnectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ownerId: str = Field(min_length=1, max_length=200, description="Your id for the end customer")
    apiKey: str = Field(min_length=1, max_length=500, description="The customer's Ashby API key", repr=False)
    operations: list[str] | None = Field(
        default=None,
        max_length=200,
        description="What you will do with it, as model::action (genericContact::list, "
        "atsJob::create; actions list, retrieve, create, update, delete): the answer tells, for "
        "each, whether Ashby supports it and whether the key has the permissions it needs",
    )


class ConnectionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ownerId: str | None = Field(default=None, min_length=1, max_length=200, description="A new owner id")
    operations: list[str] | None = Field(
        default=None,
        max_length=200,
        description="The requested operations that replace the current ones (model::action); each "
        "must be one Ashby supports and the key has the permissions for, else 422 names it. "
        "null lifts the restriction (anything the key allows)",
    )


class KeyRotate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    apiKey: str = Field(min_length=1, max_length=500, repr=False)


class FieldMappingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entries: list[FieldMapEntry] = Field(max_length=200)


class CustomModelBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operation: str = Field(max_length=100, description="An Ashby list operation, e.g. opening.list")
    fields: dict[str, str] = Field(min_length=1, max_length=200, description="field name -> dotted path")


class ChildPoliciesBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    childPolicies: dict[str, str] = Field(
        max_length=100,
        description="child list -> eager, changed, lazy or off; replaces what the connection set "
        "before (child lists not named keep their default; {} restores every default)",
    )


@router.post(
    "/connections", status_code=201, summary="Add an Ashby connection", **answers(answers_.Connection, 201)
)
def create_connection(body: ConnectionCreate, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    return connection_view(core.connections.create(tenant_id, body.ownerId, body.apiKey, body.operations))


@router.get("/connections", summary="List your connections", **answers(answers_.ConnectionList))
def list_connections(
    core: CoreDep,
    tenant_id: Tenant,
    health: Annotated[
        Literal["healthy", "syncing", "pending", "attention"] | None,
        Query(description="Only connections in this state"),
    ] = None,
    owner: Annotated[str | None, Query(max_length=200, description="Owner ids containing this")] = None,
) -> dict[str, Any]:
    """Each connection with its health (``healthy``, ``syncing``, ``pending``: no run finished
    yet, ``attention`` with ``code`` and ``reason`` in plain words), last successful sync, lag,
    next run, records and requests in the last hour."""
    rows = {r.id: r for r in core.connections.for_tenant(tenant_id)}
    overviews = connection_health.select(
        core.health.overviews(list(rows.values())), state=health, owner=owner
    )
    return {"data": [connection_view(rows[o.id], with_access=False) | o.to_api() for o in overviews]}


@router.get(
    "/connections/{connection_id}",
    summary="A connection and what its key can do",
    **answers(answers_.Connection),
)
def get_connection(connection_id: str, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    row = core.connections.get(tenant_id, connection_id)
    out = connection_view(row)
    out["health"] = core.health.overview(row).health.to_api()
    out["lastSync"] = last_sync_view(core.syncs.history.latest(connection_id))
    return out


@router.patch(
    "/connections/{connection_id}",
    summary="Change a connection's requested operations or owner",
    **answers(answers_.Connection),
)
def patch_connection(
    connection_id: str, body: ConnectionPatch, core: CoreDep, tenant_id: Tenant
) -> dict[str, Any]:
    """Asks Ashby what the key may do now (``apiKey.info``) and stores the new requested
    operations; they are enforced from the next request on. Fields left out stay as they are."""
    clear = "operations" in body.model_fields_set and body.operations is None
    row = core.connections.update(
        tenant_id, connection_id, owner_id=body.ownerId, operations=body.operations, clear_operations=clear
    )
    return connection_view(row)


@router.post(
    "/connections/{connection_id}/rotate",
    summary="Replace the connection's Ashby key",
    **answers(answers_.Connection),
)
def rotate_key(connection_id: str, body: KeyRotate, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    return connection_view(core.connections.rotate(tenant_id, connection_id, body.apiKey))


@router.delete(
    "/connections/{connection_id}",
    status_code=204,
    summary="Delete a connection and its data",
    responses={
        202: {
            "model": answers_.ConnectionDeleted,
            "description": "Deleted here; some of Ashby's webhook settings could not be removed yet "
            "(Ashby unreachable) and are retried in the background",
        }
    },
)
def delete_connection(connection_id: str, core: CoreDep, tenant_id: Tenant) -> Response:
    """Stops its running sync, deletes every row of it, answers 404 to its inbound webhooks and
    removes its webhook settings in Ashby (``webhook.delete``)."""
    deletion = core.connections.delete(tenant_id, connection_id)
    if deletion.complete:
        return Response(status_code=204)
    return JSONResponse({"id": connection_id, **deletion.to_api()}, status_code=202)


@router.get(
    "/connections/{connection_id}/field-mappings/{model}",
    summary="A model's field mapping",
    **answers(answers_.FieldMapping),
)
def get_field_mapping(connection_id: str, model: str, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    row = core.connections.get(tenant_id, connection_id)
    return {"model": model, "entries": core.mappings.field_mapping(row.id, model)}


@router.put(
    "/connections/{connection_id}/field-mappings/{model}",
    summary="Set a model's field mapping",
    **answers(answers_.FieldMapping),
)
def put_field_mapping(
    connection_id: str, model: str, body: FieldMappingBody, core: CoreDep, tenant_id: Tenant
) -> dict[str, Any]:
    row = core.connections.get(tenant_id, connection_id)
    return {"model": model, "entries": core.mappings.set_field_mapping(row.id, model, body.entries)}


@router.get(
    "/connections/{connection_id}/custom-models",
    summary="The connection's custom models",
    **answers(answers_.CustomModelList),
)
def list_custom_models(connection_id: str, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    row = core.connections.get(tenant_id, connection_id)
    return {"data": core.mappings.custom_models(row.id)}


@router.put(
    "/connections/{connection_id}/custom-models/{name}",
    summary="Declare a custom model",
    **answers(answers_.CustomModel),
)
def put_custom_model(
    connection_id: str, name: str, body: CustomModelBody, core: CoreDep, tenant_id: Tenant
) -> dict[str, Any]:
    row = core.connections.get(tenant_id, connection_id)
    return core.mappings.set_custom_model(row.id, name, body.operation, body.fields)


@router.delete(
    "/connections/{connection_id}/custom-models/{name}", status_code=204, summary="Remove a custom model"
)
def delete_custom_model(connection_id: str, name: str, core: CoreDep, tenant_id: Tenant) -> Response:
    row = core.connections.get(tenant_id, connection_id)
    core.mappings.delete_custom_model(row.id, name)
    return Response(status_code=204)


@router.get(
    "/connections/{connection_id}/child-policies",
    summary="Which child lists the syncs fetch",
    **answers(answers_.ChildPolicies),
)
def get_child_policies(connection_id: str, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    """Per child list: its policy for this connection, its default, and whether the connection set
    it. ``eager``: every parent on the first run, changed parents later; ``changed``: parents that
    change after the first run; ``lazy``: fetched when read through ``/resources``; ``off``:
    never."""
    row = core.connections.get(tenant_id, connection_id)
    return core.child_policies.to_api(row.id)


@router.put(
    "/connections/{connection_id}/child-policies",
    summary="Set which child lists the syncs fetch",
    **answers(answers_.ChildPolicies),
)
def put_child_policies(
    connection_id: str, body: ChildPoliciesBody, core: CoreDep, tenant_id: Tenant
) -> dict[str, Any]:
    """Replaces the policies the connection sets; every later sync of it (scheduled, ``POST
    /syncs``, worker jobs) and every lazy read follows them. 422 names the unknown child list or
    policy, and nothing changes then."""
    row = core.connections.get(tenant_id, connection_id)
    return core.child_policies.put(row.id, body.childPolicies)
