"""What every request handler shares: the store, the server tables, the secret box, HTTP clients."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from ashby_connector.client import AshbyClient
from ashby_connector.server.repo import ConnectionRow, ServerRepo
from ashby_connector.server.secrets import SecretBox, load_master_key
from ashby_connector.server.settings import ServerSettings
from ashby_connector.store import Store


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
