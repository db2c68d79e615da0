"""The local copy of Ashby accounts and every table of the product, over SQLAlchemy Core on SQLite
(default) and PostgreSQL, with its Alembic migrations.

Tables: ``schema`` (one record table per Ashby kind, and sync state), ``schema_tenancy``
(platform keys, connections, field mappings, custom models, Connect links, sync runs),
``schema_webhooks`` (inbox, outbox, subscriptions, delivery log, Ashby settings),
``schema_assessments`` (assessment partners, assessments, reports into Ashby; queried by
``assessments``) and ``schema_directory`` (the Ashby users the role-gap report has seen; queried by
``directory``). Every SQL statement over the record
tables lives in ``queries``. See docs/sync.md for users.
"""

from __future__ import annotations

# Imported for their tables: ``metadata`` is complete once the package is imported.
from ashby_connector.store import (  # noqa: F401
    pieces,
    schema_assessments,
    schema_directory,
    schema_tenancy,
    schema_webhooks,
)
from ashby_connector.store.engine import DEFAULT_URL, normalize_url
from ashby_connector.store.errors import StoreError
from ashby_connector.store.freshness import (
    rate_budget,
    scheduler_heartbeat,
    sync_lease,
    sync_run,
    sync_schedule,
)
from ashby_connector.store.kinds import CHILD_PARENTS, KIND_OPERATIONS, KINDS, table_name
from ashby_connector.store.records import StoredRecord
from ashby_connector.store.repository import (
    Change,
    ChangeCallback,
    ChangeCallbackFor,
    RecordPage,
    Store,
    StreamState,
    UpsertResult,
)
from ashby_connector.store.schema import metadata, record_table, sync_state

__all__ = [
    "CHILD_PARENTS",
    "DEFAULT_URL",
    "KINDS",
    "KIND_OPERATIONS",
    "Change",
    "ChangeCallback",
    "ChangeCallbackFor",
    "RecordPage",
    "Store",
    "StoreError",
    "StoredRecord",
    "StreamState",
    "UpsertResult",
    "metadata",
    "normalize_url",
    "rate_budget",
    "record_table",
    "scheduler_heartbeat",
    "sync_lease",
    "sync_run",
    "sync_schedule",
    "sync_state",
    "table_name",
]
