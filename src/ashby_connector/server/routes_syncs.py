"""``/syncs``: force a sync of one connection (per stream, full, reconcile), and its history."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from ashby_connector.server.deps import Connection, Ctx, Tenant, connection_by_id
from ashby_connector.server.errors import ApiError
from ashby_connector.sync.streams import select_streams
from ashby_connector.worker import SyncAlreadyRunningError

router = APIRouter(tags=["syncs"])


class SyncStart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    full: bool = Field(False, description="Ignore saved syncTokens: re-list the streams")
    reconcile: bool = Field(
        False, description="Full re-list that marks records Ashby no longer lists deleted"
    )
    streams: list[str] | None = Field(
        None,
        max_length=100,
        description="Streams or list operations (candidate, candidate.list); all when absent",
    )


@router.post("/syncs", status_code=202, summary="Start (force) a sync of the connection")
def start_sync(ctx: Ctx, conn: Connection, body: SyncStart | None = None) -> dict[str, Any]:
    """Runs on the server's embedded runner; the sync's diffs become unified events for subscribers.

    Unknown streams answer 422 at once; a connection already syncing (here or on a worker) 409."""
    body = body or SyncStart()
    if body.streams is not None:
        try:
            select_streams(body.streams)
        except ValueError as exc:
            raise ApiError(422, "unknown_stream", str(exc)[:2000], "streams") from None
    runner = ctx.runner
    if conn.id in runner.running() or ctx.freshness.lease.held(conn.id):
        raise _running()
    try:
        job = runner.submit(
            conn.id, full=body.full, reconcile=body.reconcile, streams=body.streams, trigger="manual"
        )
    except SyncAlreadyRunningError:  # another request won the race since the check above
        raise _running() from None
    run = ctx.freshness.history.get(job.id)
    assert run is not None
    return run.to_api()


def _running() -> ApiError:
    return ApiError(409, "sync_running", "a sync of this connection is already running", "X-Connection-Id")


@router.get("/syncs", summary="Sync history, newest first")
def list_syncs(
    ctx: Ctx,
    tenant_id: Tenant,
    connectionId: Annotated[str | None, Query(max_length=64)] = None,
    status: Literal["queued", "running", "succeeded", "failed", "skipped"] | None = None,
    trigger: Literal["schedule", "manual", "webhook"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=600)] = None,
) -> dict[str, Any]:
    """Every run of your connections (or of ``connectionId``): trigger, started, finished,
    requests, fetched, changed, errors. Page with ``next``."""
    if connectionId is not None:
        ids = [connection_by_id(ctx, tenant_id, connectionId, "connectionId").id]
    else:
        ids = [c.id for c in ctx.repo.list_connections(tenant_id)]
    if not ids:
        return {"data": [], "next": None}
    try:
        page = ctx.freshness.history.page(ids, limit=limit, cursor=cursor, status=status, trigger=trigger)
    except ValueError:
        raise ApiError(
            400, "invalid_cursor", "the cursor is not one this server gave out", "cursor"
        ) from None
    return {"data": [r.to_api(with_report=False) for r in page.runs], "next": page.next_cursor}


@router.get("/syncs/{sync_id}", summary="A sync's status and report")
def get_sync(sync_id: str, ctx: Ctx, tenant_id: Tenant) -> dict[str, Any]:
    ids = [c.id for c in ctx.repo.list_connections(tenant_id)]
    run = ctx.freshness.history.get(sync_id, ids) if ids and len(sync_id) <= 64 else None
    if run is None:
        raise ApiError(404, "sync_not_found", "no such sync", "sync_id")
    return run.to_api()
