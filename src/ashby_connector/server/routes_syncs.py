"""``/syncs``: start a sync of one connection in the background and watch it."""

from __future__ import annotations

import logging
import threading
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from ashby_connector.server import events
from ashby_connector.server.context import ServerContext
from ashby_connector.server.deps import Connection, Ctx, Tenant
from ashby_connector.server.errors import ApiError
from ashby_connector.server.repo import ConnectionRow, iso, utcnow

router = APIRouter(tags=["syncs"])
log = logging.getLogger("ashby_connector.server")
# One sync per connection at a time in this process.
_running: set[str] = set()
_lock = threading.Lock()


class SyncStart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    full: bool = False
    streams: list[str] | None = None


def run_sync(ctx: ServerContext, conn: ConnectionRow, run_id: str, body: SyncStart) -> None:
    from ashby_connector.sync import SyncEngine

    ctx.repo.update_sync_run(run_id, status="running")
    try:
        client = ctx.client_for(conn)
        on_change = events.change_callback(ctx, conn.id)  # sync diffs become unified events
        engine = SyncEngine(
            client, ctx.store, conn.id, streams=body.streams, full=body.full, on_change=on_change
        )
        report = engine.run()
        ctx.repo.update_sync_run(
            run_id,
            status="succeeded" if report.ok else "failed",
            report=report.to_dict(),
            finished_at=utcnow(),
        )
    except Exception as exc:  # a background thread: record the failure for GET /syncs/{id}
        log.warning("sync %s failed: %s", run_id, type(exc).__name__)
        ctx.repo.update_sync_run(
            run_id, status="failed", error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=utcnow()
        )
    finally:
        with _lock:
            _running.discard(conn.id)


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
    body = body or SyncStart()
    with _lock:
        if conn.id in _running:
            raise ApiError(
                409, "sync_running", "a sync of this connection is already running", "X-Connection-Id"
            )
        _running.add(conn.id)
    run_id = ctx.repo.create_sync_run(conn.id, body.full)
    threading.Thread(
        target=run_sync, args=(ctx, conn, run_id, body), name=f"sync-{run_id}", daemon=True
    ).start()
    run = ctx.repo.get_sync_run([conn.id], run_id)
    assert run is not None
    return _out(run)


@router.get("/syncs/{sync_id}", summary="A sync's status and report")
def get_sync(sync_id: str, ctx: Ctx, tenant_id: Tenant) -> dict[str, Any]:
    ids = [c.id for c in ctx.repo.list_connections(tenant_id)]
    run = ctx.repo.get_sync_run(ids, sync_id) if ids and len(sync_id) <= 64 else None
    if run is None:
        raise ApiError(404, "sync_not_found", "no such sync", "sync_id")
    return _out(run)
