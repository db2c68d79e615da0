"""Queries of the role-gap report over ``schema_directory``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from ashby_connector.store.repository import Store
from ashby_connector.store.schema_directory import directory_user_seen


class DirectorySeen:
    def __init__(self, store: Store) -> None:
        self.store = store

    def new_since_last_sync(
        self, connection_id: str, user_ids: Iterable[str], last_sync_at: datetime | None
    ) -> set[str]:
        """Record users not seen before (as brought by the sync at ``last_sync_at``) and answer the
        users the latest sync brought. The first call for a connection records a baseline only."""
        t = directory_user_seen
        ids = set(user_ids)
        with self.store.transaction() as conn:
            seen = {
                str(r.user_id): r.first_seen_sync_at
                for r in conn.execute(
                    sa.select(t.c.user_id, t.c.first_seen_sync_at).where(t.c.connection_id == connection_id)
                )
            }
            baseline = not seen
            fresh = sorted(ids - set(seen))
            stamp = None if baseline else last_sync_at
            if fresh:
                conn.execute(
                    sa.insert(t),
                    [
                        {"connection_id": connection_id, "user_id": u, "first_seen_sync_at": stamp}
                        for u in fresh
                    ],
                )
            for user_id in fresh:
                seen[user_id] = stamp
        if last_sync_at is None:
            return set()
        return {u for u in ids if seen.get(u) is not None and seen[u] == last_sync_at}
