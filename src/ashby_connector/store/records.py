"""Stored records, and turning raw Ashby records into store rows: id, hash, updatedAt."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from ashby_connector.times import parse_instant


@dataclass(frozen=True)
class StoredRecord:
    """One row of a record table: the raw Ashby record and when it was seen, changed, deleted."""

    id: str
    parent_id: str | None
    raw: dict[str, Any]
    updated_at: datetime | None
    synced_at: datetime
    changed_at: datetime
    deleted_at: datetime | None


def canonical(record: Any) -> bytes:
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


def raw_hash(record: Any) -> str:
    """128-bit hash of the canonical JSON: equal hashes mean the record did not change."""
    return hashlib.blake2b(canonical(record), digest_size=16).hexdigest()


def record_id(record: dict[str, Any], parent_id: str | None = None) -> str:
    """The record's own id; child records without one are keyed by parent and content."""
    rid = record.get("id")
    if isinstance(rid, str) and rid:
        return rid
    # A few child lists (client info) carry no id: content within the parent is the identity.
    return f"{parent_id or ''}:{raw_hash(record)}"


TS_FIELDS = ("updatedAt", "lastUpdatedAt", "createdAt")  # the record's updated_at, first found


def updated_at(record: dict[str, Any]) -> datetime | None:
    for field in TS_FIELDS:
        value = record.get(field)
        if isinstance(value, str):
            parsed = parse_instant(value)
            if parsed is not None:
                return parsed
    return None
