"""Which connections a store holds copies of: those with sync state or a schedule (a store that
only ``ashby-connector sync`` wrote has no connection table rows)."""

from __future__ import annotations

import sqlalchemy as sa

from ashby_connector.store.freshness import sync_schedule
from ashby_connector.store.schema import sync_state


def synced_connection_ids(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        ids = set(conn.execute(sa.select(sync_state.c.connection_id).distinct()).scalars())
        ids |= set(conn.execute(sa.select(sync_schedule.c.connection_id)).scalars())
    return sorted(ids)
