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
    from ashby_connector.worker import EmbeddedRunner


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
                        on_status=self._record_job,
                    )
        return self._runner

    def __repr__(self) -> str:
        # The settings' repr hides the master key and the database password; nothing else here
        # (the store, the secret box, the HTTP pool) says anything useful in a log.
        return f"ServerContext({self.settings!r})"

    def client_by_connection_id(self, connection_id: str) -> AshbyClient:
        """A client with the connection's own (decrypted) key; what sync runners call per job."""
        row = self.repo.find_connection(connection_id)
        if row is None:
            raise LookupError(f"connection {connection_id} no longer exists")
        return self.client_for(row)

    def _record_job(self, job: Any) -> None:
        """Mirror a runner job into ``server_sync_run`` (what ``GET /syncs/{id}`` reads)."""
        if job.finished_at is None:
            self.repo.update_sync_run(job.id, status=job.status)
        else:
            self.repo.update_sync_run(
                job.id,
                status=job.status,
                report=job.report,
                error=job.error,
                finished_at=job.finished_at,
            )

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

    def close(self) -> None:
        self.http.close()
        self.store.close()

    def client_for_key(self, api_key: str) -> AshbyClient:
        return AshbyClient(
            api_key,
            base_url=self.settings.ashby_base_url,
            http_client=self.http,
            rate_limit_per_minute=self.settings.rate_limit_per_minute,
            timeout=self.settings.ashby_timeout,
        )

    def client_for(self, connection: ConnectionRow) -> AshbyClient:
        return self.client_for_key(self.box.decrypt(connection.api_key_encrypted))

    def call_for(self, connection: ConnectionRow) -> Any:
        """``call(operation, body)`` with the connection's key (what the unified writers take)."""
        client = self.client_for(connection)

        def call(operation: str, body: dict[str, Any]) -> Any:
            return client.call(operation, body)

        return call
