"""Change events, wired once: every store change (a sync's diff, an applied Ashby webhook, a write
through the server) becomes the same unified ``{model}.created|updated|deleted`` events, mapped
with the connection's custom-field mapping, queued for the subscribers that want them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ashby_connector.store import Change, ChangeCallback, Store
from ashby_connector.store.tenancy import Tenancy
from ashby_connector.unified.fieldmap import FieldMapEntry
from ashby_connector.webhooks.outbox import Outbox
from ashby_connector.webhooks.unified_events import UnifiedMapper, registry_mapper


def connection_mapper(tenancy: Tenancy, store: Store) -> UnifiedMapper:
    """The unified mapper with each connection's field mapping (what the REST API returns too),
    reading the stored records a change of another list needs (an offer letter's candidate)."""

    def mapping_for(connection_id: str, model: str) -> list[FieldMapEntry]:
        return [FieldMapEntry(**entry) for entry in tenancy.get_field_mapping(connection_id, model)]

    def record_of(connection_id: str, kind: str, record_id: str) -> dict[str, Any] | None:
        return store.get(connection_id, kind, record_id)

    return registry_mapper(mapping_for, record_of)


class ChangeEvents:
    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def for_connection(self, connection_id: str) -> ChangeCallback:
        """``on_change(kind, raw, change)`` of one connection: what sync runs and writes call."""
        return self.outbox.for_connection(connection_id)

    def notify(self, connection_id: str, kind: str, changes: Iterable[tuple[Change, dict[str, Any]]]) -> None:
        on_change = self.for_connection(connection_id)
        for change, record in changes:
            on_change(kind, record, change)

    def sync_finished(self, run: Any) -> None:
        """``sync.finished`` / ``sync.failed`` (with the run and its report) for subscribers naming it."""
        event_type = "sync.finished" if run.status == "succeeded" else "sync.failed"
        self.outbox.enqueue_sync(run.connection_id, event_type, run.to_api())
