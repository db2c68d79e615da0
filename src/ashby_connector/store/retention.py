"""The query behind retention (``core.freshness.retention``): records deleted before a moment go."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ashby_connector.store.kinds import KINDS
from ashby_connector.store.repository import Store
from ashby_connector.store.schema import record_table


def purge_deleted_before(store: Store, cut: datetime) -> dict[str, int]:
    """Remove the records of every kind marked deleted before ``cut``; the count per kind that lost
    any (one transaction per kind: a long purge never holds one lock over all tables)."""
    purged: dict[str, int] = {}
    for kind in KINDS:
        table = record_table(kind)
        with store.transaction() as conn:
            count = conn.execute(
                sa.delete(table).where(table.c.deleted_at.is_not(None), table.c.deleted_at < cut)
            ).rowcount
        if count:
            purged[kind] = int(count)
    return purged
