"""``/connections``: add a customer's Ashby key, see what it can do, rotate it, delete it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from ashby_connector import errors as ashby_errors
from ashby_connector import unified
from ashby_connector.server import access, events
from ashby_connector.server.deps import Ctx, Tenant, connection_by_id
from ashby_connector.server.errors import ApiError
from ashby_connector.server.repo import ConnectionRow, iso
from ashby_connector.unified.custom import CustomModelDef
from ashby_connector.unified.fieldmap import FieldMapEntry

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


def check_key(ctx: Ctx, api_key: str) -> tuple[str | None, list[str] | None]:
    """Ask Ashby who the key is (``apiKey.info``); a key Ashby rejects is refused here."""
    client = ctx.client_for_key(api_key)
    try:
        info = client.call("apiKey.info", {})
    except ashby_errors.PermissionDeniedError:
        # No apiKeysRead: the key works but will not tell its scopes.
        return None, None
    except ashby_errors.APIError:
        # Unknown, deactivated or malformed: whatever Ashby's words, the key cannot be used.
        raise ApiError(422, "invalid_ashby_key", "Ashby rejected this API key", "apiKey") from None
    info = info if isinstance(info, dict) else {}
    scopes = info.get("scopes")
    title = info.get("title")
    return (
        title if isinstance(title, str) else None,
        [str(s) for s in scopes] if isinstance(scopes, list) else None,
    )


def _out(row: ConnectionRow, with_access: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "ownerId": row.owner_id,
        "keyTitle": row.key_title,
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
    }
    if with_access:
        out["access"] = access.report(row.scopes)
        out["operations"] = (
            access.operations_report(row.operations, row.scopes) if row.operations is not None else None
        )
    return out


def requested_operations(operations: list[str] | None) -> list[str] | None:
    """The requested ``model::action`` entries, checked against the model registry, de-duplicated."""
    if operations is None:
        return None
    for index, entry in enumerate(operations):
        try:
            access.parse_operation(entry)
        except ValueError as exc:
            raise ApiError(422, "unknown_operation", str(exc), f"operations[{index}]") from None
    return list(dict.fromkeys(operations))


@router.post("/connections", status_code=201, summary="Add an Ashby connection")
def create_connection(body: ConnectionCreate, ctx: Ctx, tenant_id: Tenant) -> dict[str, Any]:
    operations = requested_operations(body.operations)
    title, scopes = check_key(ctx, body.apiKey)
    row = ctx.repo.create_connection(
        tenant_id, body.ownerId, ctx.box.encrypt(body.apiKey), title, scopes, operations
    )
    return _out(row)


@router.get("/connections", summary="List your connections")
def list_connections(ctx: Ctx, tenant_id: Tenant) -> dict[str, Any]:
    return {"data": [_out(r, with_access=False) for r in ctx.repo.list_connections(tenant_id)]}


@router.get("/connections/{connection_id}", summary="A connection and what its key can do")
def get_connection(connection_id: str, ctx: Ctx, tenant_id: Tenant) -> dict[str, Any]:
    out = _out(connection_by_id(ctx, tenant_id, connection_id, "connection_id"))
    run = ctx.freshness.history.latest(connection_id)
    out["lastSync"] = (
        {
            "id": run.id,
            "status": run.status,
            "trigger": run.trigger,
            "createdAt": iso(run.created_at),
            "finishedAt": iso(run.finished_at),
        }
        if run
        else None
    )
    return out


@router.post("/connections/{connection_id}/rotate", summary="Replace the connection's Ashby key")
def rotate_key(connection_id: str, body: KeyRotate, ctx: Ctx, tenant_id: Tenant) -> dict[str, Any]:
    row = connection_by_id(ctx, tenant_id, connection_id, "connection_id")
    title, scopes = check_key(ctx, body.apiKey)
    ctx.repo.update_connection_key(row.id, ctx.box.encrypt(body.apiKey), title, scopes)
    events.connection_changed(ctx, row.id)
    return _out(connection_by_id(ctx, tenant_id, connection_id, "connection_id"))


@router.delete("/connections/{connection_id}", status_code=204, summary="Delete a connection and its data")
def delete_connection(connection_id: str, ctx: Ctx, tenant_id: Tenant) -> Response:
    row = connection_by_id(ctx, tenant_id, connection_id, "connection_id")
    ctx.repo.delete_connection(row.id)
    events.connection_changed(ctx, row.id)
    return Response(status_code=204)


@router.get("/connections/{connection_id}/field-mappings/{model}", summary="A model's field mapping")
def get_field_mapping(connection_id: str, model: str, ctx: Ctx, tenant_id: Tenant) -> dict[str, Any]:
    row = connection_by_id(ctx, tenant_id, connection_id, "connection_id")
    _mappable(model)
    return {"model": model, "entries": ctx.repo.get_field_mapping(row.id, model)}


@router.put("/connections/{connection_id}/field-mappings/{model}", summary="Set a model's field mapping")
def put_field_mapping(
    connection_id: str, model: str, body: FieldMappingBody, ctx: Ctx, tenant_id: Tenant
) -> dict[str, Any]:
    row = connection_by_id(ctx, tenant_id, connection_id, "connection_id")
    _mappable(model)
    names = [e.unifiedField for e in body.entries]
    if len(set(names)) != len(names):
        raise ApiError(422, "invalid_request", "each unifiedField may appear once", "entries")
    entries = [e.model_dump(exclude_none=True) for e in body.entries]
    ctx.repo.set_field_mapping(row.id, model, entries)
    return {"model": model, "entries": entries}


def _mappable(model: str) -> unified.ModelSpec:
    spec = unified.MODELS.get(model)
    if spec is None:
        raise ApiError(404, "unknown_model", f"no unified model {model!r}", "model")
    if spec.custom_field_object is None:
        raise ApiError(422, "no_custom_fields", f"Ashby has no custom fields for {model}", "model")
    return spec


@router.get("/connections/{connection_id}/custom-models", summary="The connection's custom models")
def list_custom_models(connection_id: str, ctx: Ctx, tenant_id: Tenant) -> dict[str, Any]:
    row = connection_by_id(ctx, tenant_id, connection_id, "connection_id")
    return {"data": ctx.repo.list_custom_models(row.id)}


@router.put("/connections/{connection_id}/custom-models/{name}", summary="Declare a custom model")
def put_custom_model(
    connection_id: str, name: str, body: CustomModelBody, ctx: Ctx, tenant_id: Tenant
) -> dict[str, Any]:
    row = connection_by_id(ctx, tenant_id, connection_id, "connection_id")
    if name in unified.MODELS:
        raise ApiError(409, "name_taken", f"{name} is a built-in model", "name")
    try:
        definition = CustomModelDef(name=name, operation=body.operation, fields=body.fields)
    except KeyError as exc:
        raise ApiError(422, "unknown_operation", str(exc), "operation") from None
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise ApiError(422, "invalid_request", str(exc).splitlines()[-1].strip(), "fields") from None
    data = definition.model_dump()
    ctx.repo.set_custom_model(row.id, name, data)
    return data


@router.delete(
    "/connections/{connection_id}/custom-models/{name}", status_code=204, summary="Remove a custom model"
)
def delete_custom_model(connection_id: str, name: str, ctx: Ctx, tenant_id: Tenant) -> Response:
    row = connection_by_id(ctx, tenant_id, connection_id, "connection_id")
    if not ctx.repo.delete_custom_model(row.id, name):
        raise ApiError(404, "unknown_model", f"no custom model {name!r}", "name")
    return Response(status_code=204)
