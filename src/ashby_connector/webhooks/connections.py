"""The server's connections, as the webhooks part needs them: whose tenant, and a client with its key."""

from __future__ import annotations

import threading
import time
from typing import Any

import sqlalchemy as sa

from ashby_connector.store.schema_tenancy import connection as connection_table
from ashby_connector.webhooks.ports import AshbyCaller, SecretBox

CLIENT_TTL_SECONDS = 300.0


class ServerConnections:
    """Looks connections up in the server's table; builds one ``AshbyClient`` per connection."""

    def __init__(self, engine: sa.Engine, box: SecretBox, **client_settings: Any) -> None:
        self.engine = engine
        self.box = box
        self.client_settings = client_settings
        # connection -> (client, built at): rebuilt after a while so a changed key is picked up.
        self._clients: dict[str, tuple[AshbyCaller, float]] = {}
        self._lock = threading.Lock()

    def tenant_of(self, connection_id: str) -> str | None:
        t = connection_table
        with self.engine.connect() as conn:
            tenant = conn.execute(sa.select(t.c.tenant_id).where(t.c.id == connection_id)).scalar()
        return str(tenant) if tenant is not None else None

    def client_for(self, connection_id: str) -> AshbyCaller | None:
        now = time.monotonic()
        with self._lock:
            cached = self._clients.get(connection_id)
        if cached is not None and now - cached[1] < CLIENT_TTL_SECONDS:
            return cached[0]
        t = connection_table
        with self.engine.connect() as conn:
            token = conn.execute(sa.select(t.c.api_key_encrypted).where(t.c.id == connection_id)).scalar()
        if token is None:
            return None
        from ashby_connector.client import AshbyClient

        client = AshbyClient(self.box.decrypt(token), **self.client_settings)
        with self._lock:
            self._clients[connection_id] = (client, now)
        return client

    def forget(self, connection_id: str) -> None:
        """Drop a cached client (the connection's key changed or it was deleted)."""
        with self._lock:
            self._clients.pop(connection_id, None)
