"""Retention: records marked deleted are purged after a number of days (0 keeps them for good).

Ashby's deletions reach the store as ``deleted_at`` (reconcile runs, candidateDelete webhooks);
those rows stay readable as deleted for ``deleted_days`` (default 30), so a subscriber or a report
can still see what went away, then they are removed. The webhooks part prunes its inbox, outbox
and delivery log by age the same way (``WebhookOptions.inbox_days`` / ``outbox_days``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from ashby_connector.store import Store
from ashby_connector.store.retention import purge_deleted_before

log = logging.getLogger("ashby_connector.retention")
DEFAULT_DELETED_DAYS = 30.0


class Retention:
    def __init__(
        self,
        store: Store,
        *,
        deleted_days: float = DEFAULT_DELETED_DAYS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if deleted_days < 0:
            raise ValueError("deleted_days must be 0 (keep) or more")
        self.store = store
        self.deleted_days = deleted_days
        self.clock = clock

    def purge_deleted(self) -> dict[str, int]:
        """Remove records deleted more than ``deleted_days`` ago; returns the count per kind."""
        if self.deleted_days == 0:
            return {}
        cut = datetime.fromtimestamp(self.clock(), UTC) - timedelta(days=self.deleted_days)
        purged = purge_deleted_before(self.store, cut)
        if purged:
            log.info(
                "retention: purged %d records deleted over %g days ago",
                sum(purged.values()),
                self.deleted_days,
            )
        return purged
