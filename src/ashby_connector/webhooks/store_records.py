"""The real store behind the ``RecordStore`` protocol."""

from __future__ import annotations

from typing import Any

from ashby_connector.store import Store
from ashby_connector.store.queries import JSON_INDEXES, find_by_json
from ashby_connector.webhooks.protocols import RecordVersion


class StoreRecords:
    """``RecordStore`` over ``ashby_connector.store.Store``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get_record(self, connection_id: str, kind: str, record_id: str) -> RecordVersion | None:
        row = self.store.get_record(connection_id, kind, record_id)
        if row is None:
            return None
        return RecordVersion(raw=dict(row.raw), deleted=row.deleted_at is not None)

    def get_records(self, connection_id: str, kind: str, record_ids: list[str]) -> dict[str, RecordVersion]:
        rows = self.store.get_records(connection_id, kind, record_ids)
        return {
            rid: RecordVersion(raw=dict(row.raw), deleted=row.deleted_at is not None)
            for rid, row in rows.items()
        }

    def put_record(self, connection_id: str, kind: str, raw: dict[str, Any]) -> None:
        self.store.upsert_records(connection_id, kind, [raw])

    def delete_record(self, connection_id: str, kind: str, record_id: str) -> None:
        self.store.mark_deleted(connection_id, kind, [record_id])

    def put_records(self, connection_id: str, kind: str, raws: list[dict[str, Any]]) -> None:
        self.store.upsert_records(connection_id, kind, raws)

    def delete_records(self, connection_id: str, kind: str, record_ids: list[str]) -> None:
        self.store.mark_deleted(connection_id, kind, record_ids)

    def find_records(self, connection_id: str, kind: str, path: str, value: str) -> list[dict[str, Any]]:
        # Every lookup the processor makes has a JSON index (candidateMerge: applications by
        # candidate.id); an unindexed path would scan a whole table per event, so it is refused.
        if (kind, path) not in JSON_INDEXES:
            raise ValueError(f"no JSON index for {kind} records by {path}")
        return find_by_json(self.store.engine, connection_id, kind, path, value)
