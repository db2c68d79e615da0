"""What every request handler shares: the store, the server tables, the secret box, HTTP clients."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from ashby_connector.client import AshbyClient
from ashby_connector.server.repo import ConnectionRow, ServerRepo
from ashby_connector.server.secrets import SecretBox, load_master_key
from ashby_connector.server.settings import ServerSettings
from ashby_connector.store import Store

if TYPE_CHECKING:
    from ashby_connector.core.freshness import Freshness
    from ashby_connector.worker import EmbeddedRunner
    from ashby_connector.worker.distributed import DistributedRunner


# eq=False: hashed by identity, so other parts can key per-server state on it (webhooks does).
@dataclass(eq=False)
class ServerContext:
    settings: ServerSettings
    store: Store
    repo: ServerRepo
    box: SecretBox
    # One pool for every Ashby call; never follows redirects and ignores proxy variables, so the
    # configured base URL is the only place a request can go.
    http: httpx.Client = field(
        default_factory=lambda: httpx.Client(follow_redirects=False, trust_env=False, timeout=30.0)
    )

    _runner: EmbeddedRunner | None = field(default=None, init=False, repr=False)
    _runner_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _freshness: Freshness | None = field(default=None, init=False, repr=False)
    _queue: DistributedRunner | None = field(default=None, init=False, repr=False)
    _shared_budget: bool = field(default=False, init=False, repr=False)

    @property
    def runner(self) -> EmbeddedRunner:
        """The in-process sync runner of this server (one sync per connection at a time).

        Each job reads its connection's key when it starts, and its store changes go to the
        webhooks outbox under that connection's id (``events.change_callback``).
        """
        if self._runner is None:
            with self._runner_lock:
                if self._runner is None:
                    from ashby_connector.server import events
                    from ashby_connector.worker import EmbeddedRunner

                    self._runner = EmbeddedRunner(
                        self.store,
                        self.client_by_connection_id,
                        on_change_for=lambda connection_id: events.change_callback(self, connection_id),
                        on_finished=lambda run: events.sync_finished(self, run),
                    )
        return self._runner

    def __repr__(self) -> str:
        # The settings' repr hides the master key and the database password; nothing else here
        # (the store, the secret box, the HTTP pool) says anything useful in a log.
        return f"ServerContext({self.settings!r})"

    @property
    def freshness(self) -> Freshness:
        """Schedules, history, status and retention of this server's connections.

        Its scheduler (``settings.scheduler`` "auto") runs due syncs on the embedded runner on
        SQLite, and queues them for the procrastinate workers on PostgreSQL.
        """
        if self._freshness is None:
            with self._runner_lock:
                if self._freshness is None:
                    from ashby_connector.core.freshness import Freshness, FreshnessSettings
                    from ashby_connector.store.shared_budget import partner_state

                    s = self.settings
                    dispatch = None if s.scheduler == "off" else self._dispatch
                    self._freshness = Freshness(
                        self.store,
                        FreshnessSettings(
                            s.schedule_incremental_minutes,
                            s.schedule_reconcile_hours,
                            s.scheduler_tick_seconds,
                            s.deleted_retention_days,
                        ),
                        connections=self.repo.all_connection_ids,
                        dispatch=dispatch,
                        partner_state=lambda: partner_state(self.store.engine) or _process_partner_state(),
                    )
        return self._freshness

    def _dispatch(self, connection_id: str, kind: str) -> bool:
        """Start a scheduled run: False (skipped) while the previous run of it is still going."""
        if self.store.dialect == "postgresql":
            if self._queue is None:
                from ashby_connector.worker.distributed import DistributedRunner

                self._queue = DistributedRunner(self.settings.db_url, self.client_by_connection_id)
                self._queue.install_schema()
            return self._queue.schedule(connection_id, kind)  # type: ignore[arg-type]
        from ashby_connector.worker import SyncAlreadyRunningError

        if self.freshness.lease.held(connection_id):
            return False
        try:
            self.runner.submit(connection_id, reconcile=kind == "reconcile", trigger="schedule")
        except SyncAlreadyRunningError:
            return False
        return True

    def client_by_connection_id(self, connection_id: str) -> AshbyClient:
        """A client with the connection's own (decrypted) key; what sync runners call per job."""
        row = self.repo.find_connection(connection_id)
        if row is None:
            raise LookupError(f"connection {connection_id} no longer exists")
        return self.client_for(row)

    @classmethod
    def open(cls, settings: ServerSettings, store: Store | None = None) -> ServerContext:
        store = store or Store.open(settings.db_url)
        box = SecretBox(load_master_key(settings))
        http = httpx.Client(
            follow_redirects=False,
            trust_env=False,
            timeout=settings.ashby_timeout,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )
        return cls(settings, store, ServerRepo(store), box, http)

    def start_background(self) -> None:
        """What a running server does besides answering: share rate budgets across the deployment
        (PostgreSQL), report the store's gauges in the metrics, and schedule syncs."""
        from ashby_connector.core import metrics
        from ashby_connector.store import shared_budget

        self._shared_budget = shared_budget.install(self.store.engine)
        metrics.watch_store(self.store.engine)
        self.freshness.start()

    def stop_background(self) -> None:
        from ashby_connector.store import shared_budget

        self.freshness.stop()
        if self._shared_budget:
            shared_budget.uninstall()
            self._shared_budget = False

    def close(self) -> None:
        if self._freshness is not None:
            self._freshness.stop()
        if self._queue is not None:
            self._queue.close()
        self.http.close()
        self.store.close()

    def client_for_key(self, api_key: str) -> AshbyClient:
        # On PostgreSQL the budget is the deployment's (store.shared_budget), installed at startup.
        return AshbyClient(
            api_key,
            base_url=self.settings.ashby_base_url,
            http_client=self.http,
            rate_limit_per_minute=self.settings.rate_limit_per_minute,
            timeout=self.settings.ashby_timeout,
        )

    def budget_for_key(self, api_key: str) -> KeyBudget:
        """The key's rate budget for a raw call (the proxy): waits for an interactive token now."""
        budget = KeyBudget(api_key, self.settings.rate_limit_per_minute)
        budget.take()
        return budget

    def client_for(self, connection: ConnectionRow) -> AshbyClient:
        client = self.client_for_key(self.box.decrypt(connection.api_key_encrypted))
        client.connection_id = connection.id
        return client

    def call_for(self, connection: ConnectionRow) -> Any:
        """``call(operation, body)`` with the connection's key (what the unified writers take)."""
        client = self.client_for(connection)

        def call(operation: str, body: dict[str, Any]) -> Any:
            return client.call(operation, body)

        return call


def _process_partner_state() -> dict[str, Any]:
    """The partner-wide slowdown as this process saw it (SQLite deployments: one process)."""
    from ashby_connector.client import _rate

    last = _rate.PARTNER.last_429_at
    return {"factor": round(_rate.PARTNER.factor(), 3), "last429At": last}


class KeyBudget:
    """A raw request's share of its key's budget: interactive priority, and its answer counted
    (metrics, error log, a 429 slowing the key or, partner-wide, every key) like a client's."""

    def __init__(self, api_key: str, per_minute: float | None) -> None:
        from ashby_connector.client import _rate
        from ashby_connector.client._secret import Secret

        self._budget = _rate.budget_for(Secret(api_key).fingerprint(), per_minute) if per_minute else None

    def take(self) -> None:
        import time

        while self._budget is not None and (wait := self._budget.try_take("interactive")) > 0:
            time.sleep(wait)

    def answered(self, operation: str, response: httpx.Response, connection_id: str) -> None:
        from ashby_connector.client import _hooks, _rate
        from ashby_connector.client._retry import parse_retry_after

        scope = response.headers.get("x-ratelimit-scope") if response.status_code == 429 else None
        if response.status_code == 429:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if scope == _rate.PARTNER_SCOPE:
                _rate.partner_throttled(retry_after)
            elif self._budget is not None:
                self._budget.penalize(retry_after)
        request_id = response.headers.get("x-ashby-request-id")
        _hooks.notify_response(
            _hooks.ResponseEvent(operation, response.status_code, request_id, connection_id, scope)
        )
