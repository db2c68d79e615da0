"""Runs the REST server over real HTTP on 127.0.0.1 (uvicorn in a thread) for the server's e2e tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from cryptography.fernet import Fernet

from ashby_connector.core.app import Core
from ashby_connector.core.settings import Settings
from ashby_connector.server import create_app
from ashby_connector.sync import SyncEngine
from ashby_connector.sync.policies import every_child
from ashby_connector.webhooks.service import WebhookOptions
from tests.outbound import LOCAL_SETTINGS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    core: Core

    def tenant(self, name: str = "tenant") -> httpx.Client:
        """An HTTP client authenticated as a new tenant."""
        _, key = self.core.tenancy.create_platform_key(name)
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {key}"}, timeout=30)

    def connect(self, http: httpx.Client, api_key: str, *, sync: bool = True) -> str:
        answer = http.post("/connections", json={"ownerId": "owner-1", "apiKey": api_key})
        assert answer.status_code == 201, answer.text
        connection_id = str(answer.json()["id"])
        if sync:
            self.sync(connection_id)
        return connection_id

    def sync(self, connection_id: str) -> None:
        row = self.core.tenancy.get_connection(self.tenant_of(connection_id), connection_id)
        assert row is not None
        # The resource tests read every model, child lists included: fetch them all now.
        report = SyncEngine(
            self.core.clients.require(row.id), self.core.store, connection_id, children=every_child("eager")
        ).run()
        assert report.ok, report.to_dict()

    def tenant_of(self, connection_id: str) -> str:
        import sqlalchemy as sa

        from ashby_connector.store.schema_tenancy import connection

        with self.core.store.engine.connect() as conn:
            return str(
                conn.execute(
                    sa.select(connection.c.tenant_id).where(connection.c.id == connection_id)
                ).scalar_one()
            )


@contextmanager
def run_server(
    ashby_base_url: str,
    db_url: str,
    *,
    webhook_options: WebhookOptions | None = None,
    lifespan: str = "off",
    **settings: Any,
) -> Iterator[Server]:
    """``lifespan="on"`` runs the app's startup too (what ``/mcp`` needs); pair it with
    ``scheduler="off"`` unless the test wants scheduled syncs."""
    settings.setdefault("master_key", Fernet.generate_key().decode())
    settings = {**LOCAL_SETTINGS, **settings}
    settings.setdefault("rate_limit_per_minute", None)
    config = Settings(db_url=db_url, ashby_base_url=ashby_base_url, **settings)
    core = Core.open(config, webhook_options=webhook_options)
    core.start()  # uvicorn runs without lifespan events here
    app = create_app(core=core)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    try:
        yield Server(f"http://127.0.0.1:{port}", core)
    finally:
        server.should_exit = True
        thread.join(10)
        core.close()
