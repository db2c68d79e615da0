"""Store changes made by the server (writes, live reads, syncs) reach the webhooks part's outbox.

The webhooks part attaches its service to the server context when its routes are included; without
it (or with the part absent) these are no-ops.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from ashby_connector.server.context import ServerContext

ChangeCallback = Callable[[str, dict[str, Any], Any], None]


def _service(ctx: ServerContext) -> Any:
    try:
        module = importlib.import_module("ashby_connector.webhooks.service")
    except ImportError:
        return None
    attached = getattr(module, "attached", None)
    return attached(ctx) if callable(attached) else None


def change_callback(ctx: ServerContext, connection_id: str) -> ChangeCallback | None:
    """``on_change(kind, record, change)`` for one connection, or None when nobody listens."""
    service = _service(ctx)
    if service is None:
        return None
    callback: ChangeCallback = service.sync_callback(connection_id)
    return callback


def notify(
    ctx: ServerContext, connection_id: str, kind: str, changes: list[tuple[Any, dict[str, Any]]]
) -> None:
    if not changes:
        return
    callback = change_callback(ctx, connection_id)
    if callback is not None:
        for change, record in changes:
            callback(kind, record, change)


def connection_changed(ctx: ServerContext, connection_id: str) -> None:
    """A connection's key was rotated or the connection deleted: parts caching clients drop theirs.

    Calls ``forget_connection(connection_id)`` on the attached webhooks service when it has one.
    """
    service = _service(ctx)
    forget = getattr(service, "forget_connection", None) if service is not None else None
    if callable(forget):
        forget(connection_id)


def sync_finished(ctx: ServerContext, run: Any) -> None:
    """``sync.finished`` / ``sync.failed`` (with the run and its report) for subscribers naming it."""
    service = _service(ctx)
    if service is None:
        return
    event_type = "sync.finished" if run.status == "succeeded" else "sync.failed"
    service.outbox.enqueue_sync(run.connection_id, event_type, run.to_api())
