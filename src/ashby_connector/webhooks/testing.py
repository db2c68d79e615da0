"""A test subscriber on 127.0.0.1 that checks Standard Webhooks signatures, for tests and demos.

with RecordingReceiver(secret) as rx:
    ...  # subscribe rx.url, make changes
    rx.wait_for(lambda events: len(events) >= 3)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass(frozen=True, slots=True)
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool

    @property
    def event(self) -> dict[str, Any]:
        doc: dict[str, Any] = orjson.loads(self.body)
        return doc


class RecordingReceiver:
    """Records every POST; ``status`` is what it answers; ``down()``/``up()`` stop and restart it."""

    def __init__(self, secret: str | None = None, *, status: int = 200) -> None:
        self.secret = secret
        self.status = status
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._port = 0
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/hooks"

    def up(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver._record(headers, body)
                self.send_response(receiver.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # quiet in tests
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        server.daemon_threads = True
        self._port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.02,), name="test-receiver", daemon=True).start()

    def down(self) -> None:
        """Stop listening: deliveries now fail with a connection error."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def close(self) -> None:
        self.down()

    def __enter__(self) -> RecordingReceiver:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _record(self, headers: dict[str, str], body: bytes) -> None:
        verified = False
        if self.secret is not None:
            try:
                Webhook(self.secret).verify(body, headers)
                verified = True
            except WebhookVerificationError:
                verified = False
        with self._lock:
            if 200 <= self.status < 300:
                self.received.append(Received(headers, body, verified))

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.event for r in self.received]

    def wait_for(self, condition: Callable[[list[dict[str, Any]]], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition(self.events()):
                return True
            time.sleep(0.01)
        return condition(self.events())


class FakeAshby:
    """Stands in for ``AshbyClient.call`` in unit tests: answers ``*.info`` from a dict of records."""

    def __init__(self, records: dict[str, dict[str, Any]] | None = None) -> None:
        self.records: dict[str, dict[str, Any]] = dict(records or {})
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail: Exception | None = None

    def call(self, operation: str, body: dict[str, Any] | None = None) -> Any:
        self.calls.append((operation, dict(body or {})))
        if self.fail is not None:
            raise self.fail
        record_id = next(iter((body or {}).values()), None)
        return self.records.get(str(record_id))
