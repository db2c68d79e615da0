"""``/syncs``: start a sync of one connection in the background and watch it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from ashby_connector.server.deps import Connection, CoreDep, Tenant
from ashby_connector.store.tenancy import iso

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
def start_sync(core: CoreDep, conn: Connection, body: SyncStart | None = None) -> dict[str, Any]:
    """Runs on the server's embedded runner; the sync's diffs become unified events for subscribers."""
    body = body or SyncStart()
    return _out(core.syncs.start(conn.id, full=body.full, streams=body.streams))


@router.get("/syncs/{sync_id}", summary="A sync's status and report")
def get_sync(sync_id: str, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    return _out(core.syncs.get(tenant_id, sync_id))
