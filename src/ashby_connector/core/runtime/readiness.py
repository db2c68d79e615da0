"""Whether this process can do its work (``/readyz``): its database answers, its migrations are
current, and a scheduler is alive (its own, or another process's)."""

from __future__ import annotations

from typing import Any

from ashby_connector.core.freshness.schedules import any_scheduler_alive
from ashby_connector.core.freshness.service import Freshness
from ashby_connector.store import Store
from ashby_connector.store.readiness import database_answers, migrations_current


class Readiness:
    """Built once by ``Core`` (``core.readiness``) with the store and this process's freshness."""

    def __init__(self, store: Store, freshness: Freshness) -> None:
        self.store = store
        self.freshness = freshness

    def check(self) -> tuple[bool, dict[str, Any]]:
        """Ready or not, and each check's answer in words (``ok...`` when it passed)."""
        checks: dict[str, Any] = {}
        try:
            database_answers(self.store.engine)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unreachable: {type(exc).__name__}"
            return False, checks
        current = migrations_current(self.store.engine)
        checks["migrations"] = "ok" if current else "behind: restart to migrate"
        fresh = self.freshness
        if fresh.scheduler is not None:
            checks["scheduler"] = "ok" if fresh.alive() else "not running"
        else:
            alive = any_scheduler_alive(self.store)
            checks["scheduler"] = "ok (another process)" if alive else "none alive"
        ready = all(str(v).startswith("ok") for v in checks.values())
        return ready, checks
