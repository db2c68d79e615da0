"""The local copy of Ashby accounts: SQLAlchemy Core over SQLite (default) and PostgreSQL.

See docs/CONTRACTS.md for the API other parts rely on and docs/sync.md for users.
"""

from __future__ import annotations

from ashby_connector.store.engine import DEFAULT_URL, normalize_url
from ashby_connector.store.errors import StoreError
from ashby_connector.store.kinds import CHILD_PARENTS, KIND_OPERATIONS, KINDS, table_name
from ashby_connector.store.repository import (
    RecordPage,
    Store,
    StoredRecord,
    StreamState,
    UpsertResult,
)
from ashby_connector.store.schema import metadata, record_table, sync_state

__all__ = [
    "CHILD_PARENTS",
    "DEFAULT_URL",
    "KINDS",
    "KIND_OPERATIONS",
    "RecordPage",
    "Store",
    "StoreError",
    "StoredRecord",
    "StreamState",
    "UpsertResult",
    "metadata",
    "normalize_url",
    "record_table",
    "sync_state",
    "table_name",
]
