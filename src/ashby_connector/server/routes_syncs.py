"""``/syncs``: force a sync of one connection (per stream, full, reconcile), and its history."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from ashby_connector.core.syncs.modes import Mode, Trigger
from ashby_connector.server import answers as answers_
from ashby_connector.server.answers import answers
from ashby_connector.server.deps import Connection, CoreDep, Tenant

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


@router.post(
    "/syncs", status_code=202, summary="Start (force) a sync of the connection", **answers(answers_.Sync, 202)
)
def start_sync(core: CoreDep, conn: Connection, body: SyncStart | None = None) -> dict[str, Any]:
    """Runs on the server's embedded runner; the sync's diffs become unified events for subscribers.

    Unknown streams answer 422 at once; a connection already syncing (here or on a worker) 409."""
    body = body or SyncStart()
    return core.syncs.start(
        conn.id, mode=Mode.of(full=body.full, reconcile=body.reconcile), streams=body.streams
    )


@router.get("/syncs", summary="Sync history, newest first", **answers(answers_.SyncList))
def list_syncs(
    core: CoreDep,
    tenant_id: Tenant,
    connectionId: Annotated[str | None, Query(max_length=64)] = None,
    status: Literal["queued", "running", "succeeded", "failed", "skipped"] | None = None,
    trigger: Trigger | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=600)] = None,
) -> dict[str, Any]:
    """Every run of your connections (or of ``connectionId``): trigger, started, finished,
    requests, fetched, changed, errors. Page with ``next``."""
    if connectionId is not None:
        ids = [core.connections.get(tenant_id, connectionId, "connectionId").id]
    else:
        ids = [c.id for c in core.connections.for_tenant(tenant_id)]
    if not ids:
        return {"data": [], "next": None}
    page = core.syncs.page(ids, limit=limit, cursor=cursor, status=status, trigger=trigger)
    return {"data": [r.to_api(with_report=False) for r in page.runs], "next": page.next_cursor}


@router.get("/syncs/{sync_id}", summary="A sync's status and report", **answers(answers_.Sync))
def get_sync(sync_id: str, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    return core.syncs.get(tenant_id, sync_id)
