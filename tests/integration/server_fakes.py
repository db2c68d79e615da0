"""A fake Ashby behind httpx.MockTransport, and a server app wired to it (no sockets)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from ashby_connector.core.app import Core
from ashby_connector.core.settings import Settings
from ashby_connector.server import create_app
from ashby_connector.store import Store
from ashby_connector.store.secrets import SecretBox
from tests.outbound import LOCAL_SETTINGS

BASE = "https://ashby.test"
GOOD_KEY = "good-ashby-key"


@dataclass
class FakeAshby:
    """Answers Ashby's envelope; ``results`` per operation; every request is recorded."""

    results: dict[str, Any] = field(default_factory=dict)
    scopes: list[str] | None = None
    seen: list[httpx.Request] = field(default_factory=list)
    handler: Callable[[str, dict[str, Any]], Any] | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        auth = request.headers.get("authorization", "")
        user = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")[0] if auth else ""
        if user != GOOD_KEY:
            return httpx.Response(
                401, json={"success": False, "errorInfo": {"code": "unauthorized", "message": "bad key"}}
            )
        operation = request.url.path.lstrip("/")
        body = json.loads(request.content or b"{}")
        if operation == "apiKey.info":
            return httpx.Response(
                200, json={"success": True, "results": {"title": "Fake", "scopes": self.scopes}}
            )
        if self.handler is not None:
            answer = self.handler(operation, body)
            if answer is not None:
                return httpx.Response(200, json={"success": True, "results": answer})
        if operation in self.results:
            return httpx.Response(200, json={"success": True, "results": self.results[operation]})
        return httpx.Response(
            200,
            json={
                "success": False,
                "errorInfo": {"code": "invalid_input", "message": f"no fake for {operation}"},
            },
        )


@dataclass
class Harness:
    http: TestClient
    core: Core
    ashby: FakeAshby

    def tenant(self, name: str = "t") -> dict[str, str]:
        _, key = self.core.tenancy.create_platform_key(name)
        return {"Authorization": f"Bearer {key}"}

    def connection(self, headers: dict[str, str]) -> dict[str, str]:
        answer = self.http.post("/connections", json={"ownerId": "o", "apiKey": GOOD_KEY}, headers=headers)
        assert answer.status_code == 201, answer.text
        return {**headers, "X-Connection-Id": answer.json()["id"]}


@contextmanager
def harness(tmp_path: Path, ashby: FakeAshby | None = None, **settings: Any) -> Iterator[Harness]:
    ashby = ashby or FakeAshby()
    settings.setdefault("scheduler", "off")  # tests of schedules turn it on
    config = Settings(
        db_url=f"sqlite:///{tmp_path / 'server.db'}",
        ashby_base_url=BASE,
        master_key=Fernet.generate_key().decode(),
        rate_limit_per_minute=None,
        **{**LOCAL_SETTINGS, **settings},  # type: ignore[arg-type]
    )
    store = Store.open(config.db_url, guard_connections=True)
    box = SecretBox(config.master_key.encode())  # type: ignore[union-attr]
    http = httpx.Client(transport=httpx.MockTransport(ashby), follow_redirects=False)
    core = Core(config, store, box, http=http)
    app = create_app(core=core)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Harness(client, core, ashby)
    core.close()
