"""Prometheus metrics of this process (prometheus-client), served by the server and workers.

Counters are fed as things happen (client observer, sync runs); gauges about stored state (lag,
inbox, outbox, deliveries) are read from the store when scraped, so every process that shares a
database reports the same backlog.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ashby_connector.client import _hooks, _rate

if TYPE_CHECKING:
    from ashby_connector.store import Store

REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

ASHBY_REQUESTS = Counter(
    "ashby_requests_total",
    "Requests to Ashby by operation and HTTP status (0: no answer).",
    ["operation", "status"],
    registry=REGISTRY,
)
ASHBY_429 = Counter(
    "ashby_rate_limited_total",
    "429 answers from Ashby by X-RateLimit-Scope (key when absent).",
    ["scope"],
    registry=REGISTRY,
)
ASHBY_RETRIES = Counter(
    "ashby_retries_total", "Requests to Ashby retried, by the reason.", ["reason"], registry=REGISTRY
)
SYNC_RUNS = Counter(
    "ashby_sync_runs_total",
    "Sync runs finished by this process, by status and trigger.",
    ["status", "trigger"],
    registry=REGISTRY,
)
SYNC_DURATION = Histogram(
    "ashby_sync_run_duration_seconds",
    "Duration of sync runs.",
    buckets=(1, 5, 15, 60, 300, 900, 3600, 4 * 3600),
    registry=REGISTRY,
)


class _ClientMetrics:
    def response(self, event: _hooks.ResponseEvent) -> None:
        ASHBY_REQUESTS.labels(event.operation, str(event.status)).inc()
        if event.status == 429:
            ASHBY_429.labels(event.rate_limit_scope or "key").inc()

    def retry(self, operation: str, reason: str) -> None:
        ASHBY_RETRIES.labels(reason).inc()


_CLIENT_METRICS = _ClientMetrics()
_hooks.add_observer(_CLIENT_METRICS)


def sync_run_finished(status: str, trigger: str, duration: float) -> None:
    SYNC_RUNS.labels(status, trigger).inc()
    if status in ("succeeded", "failed"):
        SYNC_DURATION.observe(duration)


class _BudgetCollector(Collector):
    """Rate budget in use (share of the last minute) per key, and the partner-wide factor."""

    def collect(self) -> Iterator[Any]:
        used = GaugeMetricFamily(
            "ashby_rate_budget_in_use_ratio",
            "Share of the key's per-minute budget this process took in the last minute.",
            labels=["key"],
        )
        for fingerprint, bucket in sorted(_rate.registered_budgets().items()):
            used.add_metric([fingerprint[:8]], bucket.in_use())
        for fingerprint, budget in sorted(_shared_budgets().items()):
            used.add_metric([fingerprint[:8]], budget.in_use())
        yield used
        factor = GaugeMetricFamily(
            "ashby_partner_throttle_factor",
            "Share of each key's rate allowed after partner-wide 429s (1: no slowdown).",
        )
        factor.add_metric([], _rate.PARTNER.factor())
        yield factor


def _shared_budgets() -> dict[str, Any]:
    try:
        from ashby_connector.store import shared_budget
    except ImportError:  # pragma: no cover - the store ships with the package
        return {}
    return shared_budget.shared_budgets()


class _StoreCollector(Collector):
    """Lag per connection and the webhooks backlog, read from the store at scrape time."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[Any]:
        from ashby_connector.store.gauges import read_gauges

        now = time.time()
        gauges = read_gauges(self.store)
        lag = GaugeMetricFamily(
            "ashby_sync_lag_seconds",
            "Per connection: seconds since its stalest stream last finished a sync.",
            labels=["connection_id"],
        )
        for connection_id, stalest in gauges.stalest_success.items():
            lag.add_metric([connection_id], max(0.0, now - stalest.timestamp()))
        yield lag
        yield GaugeMetricFamily(
            "ashby_webhook_inbox_depth",
            "Ashby webhooks received, not yet processed.",
            value=gauges.inbox_depth,
        )
        oldest = gauges.inbox_oldest
        yield GaugeMetricFamily(
            "ashby_webhook_inbox_age_seconds",
            "Age of the oldest unprocessed Ashby webhook (0 when none).",
            value=max(0.0, now - oldest) if oldest is not None else 0.0,
        )
        yield GaugeMetricFamily(
            "ashby_outbox_backlog", "Unified events waiting for delivery.", value=gauges.outbox_backlog
        )
        deliveries = GaugeMetricFamily(
            "ashby_webhook_deliveries",
            "Delivery attempts to subscribers kept in the log (pruned by age), by status.",
            labels=["status"],
        )
        for label, count in gauges.deliveries.items():
            deliveries.add_metric([label], count)
        yield deliveries


REGISTRY.register(_BudgetCollector())
_store_collector: _StoreCollector | None = None
_store_lock = threading.Lock()


def watch_store(store: Store) -> None:
    """Report the gauges read from this database (one per process: the latest call wins)."""
    global _store_collector
    with _store_lock:
        if _store_collector is not None:
            REGISTRY.unregister(_store_collector)
        _store_collector = _StoreCollector(store)
        REGISTRY.register(_store_collector)


def render() -> bytes:
    return generate_latest(REGISTRY)


def serve(port: int, host: str = "127.0.0.1") -> Any:
    """The metrics on their own port (``worker run --metrics-port``); returns the server."""
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=host, registry=REGISTRY)
    return server
