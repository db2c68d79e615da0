"""``/resources/{model}``: the unified models (and the connection's custom models)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Query, Request, Response

from ashby_connector.core.errors import CoreError
from ashby_connector.core.resources import pages
from ashby_connector.core.resources import records as res
from ashby_connector.core.resources.query_params import check_filters, parse_csv, parse_timestamp
from ashby_connector.server import answers as answers_
from ashby_connector.server.answers import answers
from ashby_connector.server.deps import Connection, CoreDep, requested

router = APIRouter(tags=["resources"])
TIME = "ISO-8601 with a zone, e.g. 2024-01-01T00:00:00Z"

RESERVED = {
    "limit",
    "cursor",
    "updatedAfter",
    "createdAfter",
    "ids",
    "q",
    "fields",
    "expand",
    "includeRemoteData",
    "live",
    "downloadUrl",
    "anonymize",
}


def _shape(
    core: CoreDep,
    conn: Connection,
    model: res.Model,
    page: list[dict[str, Any]],
    fields: list[str] | None,
    expand: list[str] | None,
    include_raw: bool,
) -> list[dict[str, Any]]:
    """The answer's records (JSON-ready dicts): relations expanded for the whole page at once, trimmed."""
    if not include_raw:
        for data in page:
            data.pop("remoteData", None)
    if expand:
        res.expand_relations_page(core.resources, conn, model, page, expand)
    if fields:
        keep = {"id", *fields, *(expand or [])}
        page = [{k: v for k, v in data.items() if k in keep} for data in page]
    return page


def _json(answer: dict[str, Any]) -> Response:
    """The answer encoded once, with orjson (FastAPI's own encoder walks every value in Python
    first: twice the time of the whole route for a page of 100)."""
    return Response(orjson.dumps(answer), media_type="application/json")


@router.get(
    "/resources/{model}", summary="List records of a model from the store", **answers(answers_.RecordPage)
)
def list_resources(
    model: str,
    request: Request,
    core: CoreDep,
    conn: Connection,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=600)] = None,
    updatedAfter: Annotated[str | None, Query(max_length=64, description=TIME)] = None,
    createdAfter: Annotated[str | None, Query(max_length=64, description=TIME)] = None,
    ids: Annotated[str | None, Query(max_length=30000, description="comma-separated ids")] = None,
    q: Annotated[str | None, Query(max_length=200, description="search text")] = None,
    fields: Annotated[str | None, Query(max_length=2000)] = None,
    expand: Annotated[str | None, Query(max_length=500)] = None,
    includeRemoteData: bool = False,
) -> Response:
    target = res.resolve_model(core.resources, conn, model)
    field_list, expand_list = parse_csv(fields, "fields"), parse_csv(expand, "expand", 10)
    res.check_read(requested(conn), target, "list", expand_list)
    filters = {k: v for k, v in request.query_params.items() if k not in RESERVED}
    if target.spec is not None:
        allowed = set(target.spec.cls.model_fields)
    else:
        allowed = set((target.custom.fields if target.custom else {}).keys()) | {"id"}
    check_filters(filters, allowed, model)
    query = res.ListQuery(
        limit,
        cursor,
        parse_timestamp(updatedAfter, "updatedAfter"),
        parse_timestamp(createdAfter, "createdAfter"),
        parse_csv(ids, "ids"),
        q,
        filters,
        includeRemoteData,
    )
    res.ensure_filtered_children(core.resources, conn, target, filters)
    if not field_list and not expand_list:
        encoded = pages.list_encoded(core.resources, conn, target, query)
        if encoded is not None:
            records, after = encoded
            body = b'{"data":[' + b",".join(records) + b'],"next":' + orjson.dumps(after) + b"}"
            return Response(body, media_type="application/json")
    items, next_cursor = res.list_records(core.resources, conn, target, query)
    page = _shape(core, conn, target, items, field_list, expand_list, includeRemoteData)
    return _json({"data": page, "next": next_cursor})


@router.get(
    "/resources/{model}/{record_id}",
    summary="Retrieve one record (from the store, or live)",
    **answers(answers_.RecordAnswer),
)
def get_resource(
    model: str,
    record_id: str,
    core: CoreDep,
    conn: Connection,
    live: bool = False,
    includeRemoteData: bool = False,
    downloadUrl: bool = False,
    fields: Annotated[str | None, Query(max_length=2000)] = None,
    expand: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    target = res.resolve_model(core.resources, conn, model)
    field_list, expand_list = parse_csv(fields, "fields"), parse_csv(expand, "expand", 10)
    res.check_read(requested(conn), target, "retrieve", expand_list)
    if not (live or downloadUrl or field_list or expand_list):
        encoded = pages.retrieve_encoded(core.resources, conn, target, record_id, includeRemoteData)
        if encoded is not None:
            return Response(b'{"data":' + encoded + b"}", media_type="application/json")
    if live:
        item = target.render(res.read_live(core.resources, conn, target, record_id), includeRemoteData)
    else:
        # Lazy child lists the model reads (an application's screening answers): fetched now when
        # missing or stale, after every input is checked and the read is allowed.
        res.ensure_children(core.resources, conn, target, record_id)
        found = res.get_record(core.resources, conn, target, record_id)
        assert found is not None
        item = target.render(found[1] or found[0], includeRemoteData)
    [data] = _shape(core, conn, target, [item], field_list, expand_list, includeRemoteData)
    if downloadUrl:
        if not isinstance(data.get("handle"), str):
            raise CoreError(400, "no_file", f"{model} records have no file to download", "downloadUrl")
        requested(conn).require_ashby("file.info")
        answer = core.clients.require(conn.id).call("file.info", {"fileHandle": data["handle"]})
        data["downloadUrl"] = answer.get("url") if isinstance(answer, dict) else None
    return _json({"data": data})


Payload = Annotated[dict[str, Any], Body(description="Unified fields to write")]


@router.post(
    "/resources/{model}",
    status_code=201,
    summary="Create a record in Ashby",
    **answers(answers_.RecordAnswer, 201),
)
def create_resource(model: str, payload: Payload, core: CoreDep, conn: Connection) -> dict[str, Any]:
    target = res.resolve_model(core.resources, conn, model)
    requested(conn).require(model, "create")
    item, _ = res.write(core.resources, conn, target, "create", None, dict(payload), set())
    return {"data": item.model_dump(mode="json", exclude={"remoteData"})}


@router.patch(
    "/resources/{model}/{record_id}", summary="Update a record in Ashby", **answers(answers_.RecordAnswer)
)
def update_resource(
    model: str, record_id: str, payload: Payload, core: CoreDep, conn: Connection
) -> dict[str, Any]:
    target = res.resolve_model(core.resources, conn, model)
    requested(conn).require(model, "update")
    item, _ = res.write(core.resources, conn, target, "update", record_id, dict(payload), set())
    return {"data": item.model_dump(mode="json", exclude={"remoteData"})}


@router.delete(
    "/resources/{model}/{record_id}",
    summary="Delete (or archive) a record in Ashby",
    **answers(answers_.RecordDeleted),
)
def delete_resource(
    model: str,
    record_id: str,
    core: CoreDep,
    conn: Connection,
    anonymize: bool = False,
) -> dict[str, Any]:
    target = res.resolve_model(core.resources, conn, model)
    requested(conn).require(model, "delete")
    flags = {"anonymize"} if anonymize else set()
    item, gone = res.write(core.resources, conn, target, "delete", record_id, {}, flags)
    return {"data": item.model_dump(mode="json", exclude={"remoteData"}), "deleted": gone}
