"""Whether this process can do its work (``/readyz``): its database answers, its migrations are
current, and a scheduler is alive (its own, or another process's)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ashby_connector.core.freshness.schedules import any_scheduler_alive
from ashby_connector.store.readiness import database_answers, migrations_current

if TYPE_CHECKING:
    from ashby_connector.core.app import Core


def readiness(core: Core) -> tuple[bool, dict[str, Any]]:
    """Ready or not, and each check's answer in words (``ok...`` when it passed)."""
    checks: dict[str, Any] = {}
    try:
        database_answers(core.store.engine)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
        return False, checks
    checks["migrations"] = "ok" if migrations_current(core.store.engine) else "behind: restart to migrate"
    fresh = core.freshness
    if fresh.scheduler is not None:
        checks["scheduler"] = "ok" if fresh.alive() else "not running"
    else:
        checks["scheduler"] = "ok (another process)" if any_scheduler_alive(core.store) else "none alive"
    ready = all(str(v).startswith("ok") for v in checks.values())
    return ready, checks
