"""``/syncs``: start a sync of one connection in the background and watch it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from ashby_connector.server.deps import Connection, Ctx, Tenant
from ashby_connector.server.errors import ApiError
from ashby_connector.server.repo import iso
from ashby_connector.worker import SyncAlreadyRunningError

router = APIRouter(tags=["syncs"])


class SyncStart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    full: bool = False
    streams: list[str] | None = None


def _out(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": run["id"],
        "connectionId": run["connection_id"],
        "status": run["status"],
        "full": run["full"],
        "createdAt": iso(run["created_at"]),
        "finishedAt": iso(run["finished_at"]),
        "report": run["report"],
        "error": run["error"],
    }


@router.post("/syncs", status_code=202, summary="Start a sync of the connection")
def start_sync(ctx: Ctx, conn: Connection, body: SyncStart | None = None) -> dict[str, Any]:
    """Runs on the server's embedded runner; the sync's diffs become unified events for subscribers."""
    body = body or SyncStart()
    runner = ctx.runner
    if conn.id in runner.running():
        raise _running()
    run_id = ctx.repo.create_sync_run(conn.id, body.full)
    try:
        runner.submit(conn.id, full=body.full, streams=body.streams, job_id=run_id)
    except SyncAlreadyRunningError:  # another request won the race since the check above
        ctx.repo.delete_sync_run(run_id)
        raise _running() from None
    run = ctx.repo.get_sync_run([conn.id], run_id)
    assert run is not None
    return _out(run)


def _running() -> ApiError:
    return ApiError(409, "sync_running", "a sync of this connection is already running", "X-Connection-Id")


@router.get("/syncs/{sync_id}", summary="A sync's status and report")
def get_sync(sync_id: str, ctx: Ctx, tenant_id: Tenant) -> dict[str, Any]:
    ids = [c.id for c in ctx.repo.list_connections(tenant_id)]
    run = ctx.repo.get_sync_run(ids, sync_id) if ids and len(sync_id) <= 64 else None
    if run is None:
        raise ApiError(404, "sync_not_found", "no such sync", "sync_id")
    return _out(run)
