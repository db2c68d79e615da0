"""Over real HTTP (uvicorn, raw sockets so no client normalises the path): proxy escapes never
leave the configured Ashby, and odd request targets answer 4xx."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ashby_connector.emulator import EmulatorHandle
from tests.e2e.server_harness import Server, free_port, run_server


class Trap:
    """A second host the proxy must never reach: it records every request it gets."""

    def __init__(self) -> None:
        self.hits: list[str] = []

        async def record(request: Request) -> JSONResponse:
            self.hits.append(request.url.path)
            return JSONResponse({"success": True, "results": "trapped"})

        app = Starlette(routes=[Route("/{path:path}", record, methods=["GET", "POST"])])
        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)


@pytest.fixture(scope="module")
def trap() -> Iterator[Trap]:
    t = Trap()
    t.thread.start()
    while not t.server.started:
        threading.Event().wait(0.02)
    yield t
    t.server.should_exit = True
    t.thread.join(5)


@pytest.fixture(scope="module")
def server(emulator: EmulatorHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("sec") / "server.db"
    with run_server(emulator.base_url, f"sqlite:///{db}") as srv:
        yield srv


def raw(server: Server, target: str, headers: dict[str, str], host: str = "127.0.0.1") -> tuple[int, bytes]:
    port = int(server.url.rsplit(":", 1)[1])
    lines = [
        f"POST {target} HTTP/1.1",
        f"Host: {host}",
        "Content-Type: application/json",
        "Content-Length: 2",
        "Connection: close",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n{}").encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data


def test_proxy_escapes_never_reach_another_host(server: Server, emulator: EmulatorHandle, trap: Trap) -> None:
    http = server.tenant("escape")
    cid = server.connect(http, emulator.api_key, sync=False)
    headers = {"Authorization": http.headers["Authorization"], "X-Connection-Id": cid}
    evil = f"127.0.0.1:{trap.port}"
    targets = [
        f"http://{evil}/job.list",
        f"/proxy/http://{evil}/job.list",
        f"/proxy/http:%2F%2F{evil}%2Fjob.list",
        f"/proxy/%2F%2F{evil}%2Fjob.list",
        "/proxy/../connections",
        "/proxy/..%2F..%2Fjob.list",
        "/proxy/job.list%2F..%2F..%2F_emulator%2Freset",
        "/proxy/%2e%2e%2fjob.list",
        f"/proxy/@{evil}",
        "/proxy/job.list/../../_emulator/reset",
    ]
    for target in targets:
        status, body = raw(server, target, headers)
        assert status < 500, (target, body[:300])
    status, body = raw(server, "/proxy/apiKey.info", {**headers, "X-Forwarded-Host": evil}, host=evil)
    assert status == 200 and b'"success":true' in body.replace(b" ", b"")
    assert trap.hits == []
    http.close()


def test_no_key_wrong_key_and_foreign_connection_over_http(server: Server, emulator: EmulatorHandle) -> None:
    alice = server.tenant("alice")
    cid = server.connect(alice, emulator.api_key, sync=False)
    assert raw(server, "/proxy/apiKey.info", {"X-Connection-Id": cid})[0] == 401
    assert (
        raw(server, "/proxy/apiKey.info", {"X-Connection-Id": cid, "Authorization": "Bearer ack_x"})[0] == 401
    )
    bob = server.tenant("bob")
    status, _ = raw(
        server, "/proxy/apiKey.info", {"X-Connection-Id": cid, "Authorization": bob.headers["Authorization"]}
    )
    assert status == 404
    alice.close()
    bob.close()


def test_a_key_that_hides_its_scopes_is_accepted_with_unknown_access(
    server: Server, emulator: EmulatorHandle
) -> None:
    key = emulator.control.add_key(permissions=["candidatesRead"])
    http = server.tenant("opaque")
    answer = http.post("/connections", json={"ownerId": "o", "apiKey": key})
    assert answer.status_code == 201, answer.text
    assert answer.json()["access"]["known"] is False
    http.close()
