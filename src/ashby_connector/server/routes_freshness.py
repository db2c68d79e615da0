"""``/connections/{id}/schedule`` and ``/connections/{id}/sync-status``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from ashby_connector.core.app import Core
from ashby_connector.server import answers as answers_
from ashby_connector.server.answers import answers
from ashby_connector.server.deps import CoreDep, Tenant

router = APIRouter(tags=["freshness"])


class ScheduleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    incrementalEveryMinutes: float | None = Field(None, description="Minutes between incremental syncs")
    reconcileEveryHours: float | None = Field(
        None, description="Hours between reconcile runs (full re-list marking deletions)"
    )
    paused: bool | None = Field(None, description="true: no scheduled runs until set false again")
    fastEverySeconds: float | None = Field(
        None,
        description="While webhooks are on: seconds between polls of fastStreams (0: off; 1 to 3600). "
        "Each poll costs one request per list when nothing changed.",
    )
    fastStreams: list[str] | None = Field(
        None,
        description="Lists the fast lane polls: top-level lists with a syncToken that no webhook "
        "covers (default candidate, job)",
    )


def _schedule_answer(core: Core, connection_id: str) -> dict[str, Any]:
    fresh = core.freshness
    return fresh.schedules.get(connection_id).to_api(fast_lane_active=fresh.fast_lane_active(connection_id))


@router.get(
    "/connections/{connection_id}/schedule",
    summary="When the connection syncs by itself",
    **answers(answers_.Schedule),
)
def get_schedule(connection_id: str, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    """The schedule, and the fast lane: its interval, lists, whether it polls now (webhooks on,
    not paused) and what it costs when nothing changes (``fastRequestsPerMinute``)."""
    row = core.connections.get(tenant_id, connection_id)
    return _schedule_answer(core, row.id)


@router.put(
    "/connections/{connection_id}/schedule",
    summary="Change the connection's schedule",
    **answers(answers_.Schedule),
)
def put_schedule(
    connection_id: str, body: ScheduleChange, core: CoreDep, tenant_id: Tenant
) -> dict[str, Any]:
    row = core.connections.get(tenant_id, connection_id)
    core.freshness.schedules.put(
        row.id,
        incremental_every_minutes=body.incrementalEveryMinutes,
        reconcile_every_hours=body.reconcileEveryHours,
        paused=body.paused,
        fast_every_seconds=body.fastEverySeconds,
        fast_streams=body.fastStreams,
    )
    return _schedule_answer(core, row.id)


@router.get(
    "/connections/{connection_id}/sync-status",
    summary="Per stream: mode, last success, lag",
    **answers(answers_.SyncStatus),
)
def sync_status(connection_id: str, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    """Per stream: mode of its next run, last success, last error (whole), records, lag (seconds
    since the data was last known current), next scheduled run, child policy."""
    row = core.connections.get(tenant_id, connection_id)
    return core.freshness.status.connection(row.id)
