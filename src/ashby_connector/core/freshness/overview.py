"""What ``ashby-connector status`` (and ``demo``) show of the connections in a store: per stream,
the schedule and the last runs, read without a server (``Freshness.reader``)."""

from __future__ import annotations

from typing import Any

from ashby_connector.core.freshness.service import Freshness
from ashby_connector.store import Store
from ashby_connector.store.connection_ids import synced_connection_ids


def connection_ids(store: Store) -> list[str]:
    """The connections with a copy in the store (sync state or a schedule), sorted."""
    return synced_connection_ids(store.engine)


def connection_statuses(store: Store, ids: list[str], *, recent_runs: int = 5) -> list[dict[str, Any]]:
    """Each connection's status (``Freshness.status``) with its ``recentRuns``, newest first."""
    fresh = Freshness.reader(store)
    statuses = [fresh.status.connection(c) for c in ids]
    for st in statuses:
        st["recentRuns"] = [
            r.to_api(with_report=False)
            for r in fresh.history.page([st["connectionId"]], limit=recent_runs).runs
        ]
    return statuses
