"""One Ashby client per connection, shared by everything in the process (server routes, the webhook
processor, sync jobs, the command line), rebuilt when the connection's key changes.

A cached client is re-validated against the stored (encrypted) key at most every
``recheck_seconds``: a rotation or delete made by another process reaches this one within that
time; one made here takes effect at once (``forget``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from ashby_connector.client import AshbyClient
from ashby_connector.core.settings import Settings
from ashby_connector.store.secrets import SecretBox
from ashby_connector.store.tenancy import Tenancy

RECHECK_SECONDS = 0.5


@dataclass
class _Cached:
    client: AshbyClient
    key_token: str  # the encrypted key it was built from
    checked_at: float


class ConnectionClients:
    def __init__(
        self,
        settings: Settings,
        tenancy: Tenancy,
        box: SecretBox,
        http: httpx.Client,
        *,
        recheck_seconds: float = RECHECK_SECONDS,
    ) -> None:
        self.settings = settings
        self.tenancy = tenancy
        self.box = box
        self.http = http
        self.recheck_seconds = recheck_seconds
        self._cache: dict[str, _Cached] = {}
        self._lock = threading.Lock()

    def for_key(self, api_key: str) -> AshbyClient:
        """A client for a key that is not (yet) a connection's: checking a pasted key."""
        return AshbyClient(
            api_key,
            base_url=self.settings.ashby_base_url,
            http_client=self.http,
            rate_limit_per_minute=self.settings.rate_limit_per_minute,
            timeout=self.settings.ashby_timeout,
        )

    def get(self, connection_id: str) -> AshbyClient | None:
        """The connection's client, or None when the connection does not exist (any more)."""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(connection_id)
        if cached is not None and now - cached.checked_at < self.recheck_seconds:
            return cached.client
        token = self.tenancy.key_token(connection_id)
        if token is None:
            self.forget(connection_id)
            return None
        if cached is not None and cached.key_token == token:
            cached.checked_at = now
            return cached.client
        client = self.for_key(self.box.decrypt(token))
        with self._lock:
            self._cache[connection_id] = _Cached(client, token, now)
        return client

    def require(self, connection_id: str) -> AshbyClient:
        """``get``, raising ``LookupError`` for a connection that no longer exists (sync jobs)."""
        client = self.get(connection_id)
        if client is None:
            raise LookupError(f"connection {connection_id} no longer exists")
        return client

    def forget(self, connection_id: str) -> None:
        """Drop the cached client now (this process rotated or deleted the connection)."""
        with self._lock:
            self._cache.pop(connection_id, None)


ClientFactory = Callable[[str], AshbyClient]


class SingleKeyClients(ConnectionClients):
    """Every connection id answered by ``client_for`` (one Ashby key given to a command, not a
    stored connection): the clients of a single-key core (``Core.single_key``)."""

    def __init__(
        self,
        settings: Settings,
        tenancy: Tenancy,
        box: SecretBox,
        http: httpx.Client,
        client_for: ClientFactory,
    ) -> None:
        super().__init__(settings, tenancy, box, http)
        self.client_for = client_for

    def get(self, connection_id: str) -> AshbyClient | None:
        return self.client_for(connection_id)


def key_clients(
    api_key: str,
    *,
    base_url: str,
    rate_limit_per_minute: float | None,
    operation_limits: dict[str, float] | None = None,
    **client_options: Any,
) -> ClientFactory:
    """A new client of one key for each run (closed when the run ends), tagged with the connection
    it syncs: what a command given ``--api-key`` syncs with (``client_options``: more
    ``AshbyClient`` arguments, such as the command line's retry policy)."""

    def client_for(connection_id: str) -> AshbyClient:
        client = AshbyClient(
            api_key,
            base_url=base_url,
            rate_limit_per_minute=rate_limit_per_minute,
            operation_rate_limits=operation_limits,
            **client_options,
        )
        client.connection_id = connection_id
        return client

    return client_for
