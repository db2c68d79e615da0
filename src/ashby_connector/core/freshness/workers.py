"""What a procrastinate worker process (``ashby-connector worker run``) needs to keep copies fresh:
its scheduler, and the deployment's shared rate budgets."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ashby_connector.core.freshness.fast_lane import Poll
from ashby_connector.core.freshness.schedules import Dispatch
from ashby_connector.core.freshness.service import Freshness
from ashby_connector.core.runtime import metrics
from ashby_connector.core.settings import Settings
from ashby_connector.store import Store, shared_budget
from ashby_connector.webhooks.registration import connections_with_webhooks


def worker_freshness(
    store: Store,
    *,
    connections: Callable[[], Iterable[str]],
    dispatch: Dispatch,
    poll: Poll,
    sweep: Callable[[], object],
) -> Freshness:
    """The worker's scheduler: due runs of ``connections()`` are queued with ``dispatch`` (once
    across workers); the fast lane polls connections with webhooks on through ``poll`` (each poll
    once across every worker and the server); ``sweep`` frees what killed workers left."""
    return Freshness.from_settings(
        store,
        Settings(),
        connections=connections,
        dispatch=dispatch,
        poll=poll,
        webhooks_on=lambda: connections_with_webhooks(store.engine),
        sweep=sweep,
    )


class SharedBudgets:
    """While open, every Ashby client of this process draws from the deployment's one budget per
    key (PostgreSQL; on SQLite the process's budget is the budget), and the metrics report the
    store's gauges."""

    def __init__(self, store: Store) -> None:
        shared_budget.install(store.engine)
        metrics.watch_store(store)

    def close(self) -> None:
        shared_budget.uninstall()
