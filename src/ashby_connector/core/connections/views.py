"""A connection as the API shows it: identity, timestamps, what its key can do."""

from __future__ import annotations

from typing import Any

from ashby_connector.core.connections import access
from ashby_connector.core.syncs.history import SyncRun
from ashby_connector.store.tenancy import ConnectionRow
from ashby_connector.times import iso


def connection_view(row: ConnectionRow, *, with_access: bool = True) -> dict[str, Any]:
    """``with_access``: also what the key can read and do (``access``) and the requested
    operations with what each needs (``operations``; null when none were requested)."""
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


def last_sync_view(run: SyncRun | None) -> dict[str, Any] | None:
    """The connection's latest run in brief (``lastSync``), or None before its first."""
    if run is None:
        return None
    return {
        "id": run.id,
        "status": run.status,
        "trigger": run.trigger,
        "createdAt": iso(run.created_at),
        "finishedAt": iso(run.finished_at),
    }
