"""A write-back overlay over the store for one processing batch.

Events are applied one by one against the overlay (each sees the effect of the previous ones), and
the batch's final states are written to the store together: one upsert per kind instead of one
transaction per event, which is what makes applying fast on PostgreSQL, where a commit waits for
the disk.
"""

from __future__ import annotations

from typing import Any

from ashby_connector.webhooks.protocols import RecordStore, RecordVersion

Key = tuple[str, str, str]  # (connection_id, kind, id)


class BatchOverlay:
    def __init__(self, store: RecordStore) -> None:
        self.store = store
        self._seen: dict[Key, RecordVersion | None] = {}
        self._dirty: dict[Key, RecordVersion] = {}  # insertion order = order of first write

    def get_record(self, connection_id: str, kind: str, record_id: str) -> RecordVersion | None:
        key = (connection_id, kind, record_id)
        if key not in self._seen:
            self._seen[key] = self.store.get_record(connection_id, kind, record_id)
        return self._seen[key]

    def prefetch(self, keys: dict[tuple[str, str], set[str]]) -> None:
        """Read the records a batch will compare against, one query per (connection, kind); a
        record not found is remembered as absent, so no event asks the store again."""
        for (connection_id, kind), ids in keys.items():
            missing = sorted(i for i in ids if (connection_id, kind, i) not in self._seen)
            if not missing:
                continue
            found = self.store.get_records(connection_id, kind, missing)
            for record_id in missing:
                self._seen[(connection_id, kind, record_id)] = found.get(record_id)

    def get_records(self, connection_id: str, kind: str, record_ids: list[str]) -> dict[str, RecordVersion]:
        self.prefetch({(connection_id, kind): set(record_ids)})
        found = {i: self._seen[(connection_id, kind, i)] for i in record_ids}
        return {i: v for i, v in found.items() if v is not None}

    def put_record(self, connection_id: str, kind: str, raw: dict[str, Any]) -> None:
        self._write((connection_id, kind, str(raw["id"])), RecordVersion(raw=raw, deleted=False))

    def delete_record(self, connection_id: str, kind: str, record_id: str) -> None:
        current = self.get_record(connection_id, kind, record_id)
        self._write(
            (connection_id, kind, record_id), RecordVersion(raw=current.raw if current else {}, deleted=True)
        )

    def put_records(self, connection_id: str, kind: str, raws: list[dict[str, Any]]) -> None:
        for raw in raws:
            self.put_record(connection_id, kind, raw)

    def delete_records(self, connection_id: str, kind: str, record_ids: list[str]) -> None:
        for record_id in record_ids:
            self.delete_record(connection_id, kind, record_id)

    def find_records(self, connection_id: str, kind: str, path: str, value: str) -> list[dict[str, Any]]:
        # A query sees the store, so the batch's writes go there first.
        self.flush()
        return self.store.find_records(connection_id, kind, path, value)

    def _write(self, key: Key, state: RecordVersion) -> None:
        self._seen[key] = state
        self._dirty.pop(key, None)  # re-inserted: the last write decides, in the order of writes
        self._dirty[key] = state

    def flush(self) -> None:
        """Write the batch's final states: upserts grouped per (connection, kind), then deletes."""
        puts: dict[tuple[str, str], list[dict[str, Any]]] = {}
        deletes: dict[tuple[str, str], list[str]] = {}
        for (connection_id, kind, record_id), state in self._dirty.items():
            if state.deleted:
                deletes.setdefault((connection_id, kind), []).append(record_id)
            else:
                puts.setdefault((connection_id, kind), []).append(state.raw)
        for (connection_id, kind), records in puts.items():
            self.store.put_records(connection_id, kind, records)
        for (connection_id, kind), ids in deletes.items():
            self.store.delete_records(connection_id, kind, ids)
        self._dirty.clear()
