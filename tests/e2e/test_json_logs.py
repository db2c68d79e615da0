"""``serve --log-format json`` as a process: every line it logs (the project's and uvicorn's own
loggers) is one JSON object, and none carries a secret the test used (platform key, Ashby key,
master key, webhook signing secrets, a Connect token, the encrypted key)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
from cryptography.fernet import Fernet

from ashby_connector.core.app import Core
from ashby_connector.core.settings import Settings
from ashby_connector.emulator import run_emulator
from ashby_connector.webhooks import sign_ashby_body
from ashby_connector.webhooks.testing import RecordingReceiver
from tests.e2e.server_harness import free_port
from tests.outbound import LOCAL_ENV


def _wait(check: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_serve_log_format_json_stays_json_and_masked(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'logs.db'}"
    master_key = Fernet.generate_key().decode()
    receiver = RecordingReceiver()
    with run_emulator(seed=41, candidates=20, rate_limit_per_minute=None) as emu:
        core = Core.open(
            Settings(
                db_url=db, ashby_base_url=emu.base_url, master_key=master_key, rate_limit_per_minute=None
            )
        )
        tenant, platform_key = core.tenancy.create_platform_key("acme")
        cid = core.connections.create(tenant, "owner", emu.api_key).id
        ashby_secret = core.webhooks.registry.ensure_secret(cid)
        encrypted = core.tenancy.key_token(cid) or ""
        core.close()

        port = free_port()
        env = {
            **os.environ,
            **LOCAL_ENV,
            "ASHBY_CONNECTOR_MASTER_KEY": master_key,
            "ASHBY_BASE_URL": emu.base_url,
            "ASHBY_CONNECTOR_SCHEDULER": "off",
        }
        command = [str(Path(sys.executable).parent / "ashby-connector"), "--log-format", "json", "serve"]
        stderr_path, stdout_path = tmp_path / "stderr.log", tmp_path / "stdout.log"
        with stderr_path.open("wb") as err, stdout_path.open("wb") as out:
            server = subprocess.Popen(
                [*command, "--db", db, "--port", str(port)], env=env, stdout=out, stderr=err
            )
            try:
                secrets = _exercise(port, platform_key, cid, ashby_secret, receiver)
            finally:
                server.terminate()
                server.wait(30)
    receiver.close()
    secrets |= {platform_key, emu.api_key, master_key, ashby_secret, encrypted}
    lines = [line for line in stderr_path.read_text().splitlines() if line.strip()]
    assert len(lines) >= 3, lines  # the policy, the run, uvicorn's own warning
    loggers = set()
    for line in lines:
        record = json.loads(line)  # every line one JSON object
        loggers.add(record["logger"])
        leaked = [s for s in secrets if s and s in line]
        assert not leaked, line
    assert "uvicorn.error" in loggers and "ashby_connector.sync" in loggers, loggers
    for line in stdout_path.read_text().splitlines():
        assert not [s for s in secrets if s and s in line], line


def _raw_get(port: int, target: str, headers: dict[str, str]) -> bytes:
    """A GET httpx will not send (it refuses URLs over 64 KB itself); the whole answer."""
    lines = [f"GET {target} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
        raw.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        chunks = []
        while chunk := raw.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _exercise(
    port: int, platform_key: str, cid: str, ashby_secret: str, receiver: RecordingReceiver
) -> set[str]:
    """What the server logs about: proxied calls (one Ashby refuses), a wrong platform key, a sync,
    a signed Ashby webhook and one with a forged signature, a subscription's delivery, a Connect
    link, over-long URLs (414) and a request uvicorn itself refuses. Returns the secrets made on the way."""
    headers = {"Authorization": f"Bearer {platform_key}", "X-Connection-Id": cid}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30) as http:

        def up() -> bool:
            try:
                return http.get("/connections").status_code == 200
            except httpx.HTTPError:
                return False

        _wait(up)
        assert http.post("/proxy/candidate.list", json={"limit": 5}).status_code == 200
        http.post("/proxy/candidate.info", json={"id": "no-such-candidate"})  # Ashby refuses it
        wrong = http.get("/connections", headers={"Authorization": "Bearer ack_" + "x" * 40})
        assert wrong.status_code == 401
        sub = http.post("/subscriptions", json={"url": receiver.url, "connectionId": cid})
        assert sub.status_code == 201, sub.text
        subscriber_secret = str(sub.json()["secret"])
        link = http.post("/connect-links", json={"ownerId": "someone"})
        token = str(link.json()["url"]).rsplit("/", 1)[-1]
        assert http.get(f"/connect/{token}", headers={}).status_code == 200
        run = http.post("/syncs", json={"streams": ["candidate"]})
        assert run.status_code == 202, run.text
        _wait(lambda: http.get(f"/syncs/{run.json()['id']}").json()["status"] not in ("queued", "running"))
        body = orjson.dumps(
            {
                "webhookActionId": "act-1",
                "action": "candidateDelete",
                "data": {"candidate": {"id": "gone-1"}},
            }
        )
        signed = {"Ashby-Signature": sign_ashby_body(ashby_secret, body), "Content-Type": "application/json"}
        assert http.post(f"/webhooks/ashby/{cid}", content=body, headers=signed).status_code == 200
        forged = {"Ashby-Signature": "sha256=" + "0" * 64, "Content-Type": "application/json"}
        assert http.post(f"/webhooks/ashby/{cid}", content=body, headers=forged).status_code == 401
        _wait(lambda: len(receiver.received) > 0)
        for size in (70_000, 500_000):  # an over-long URL: an HTTP answer, not a dropped connection
            answer = _raw_get(port, "/resources/genericContact?q=" + "x" * size, headers)
            assert answer.startswith(b"HTTP/1.1 414 ") and b"uri_too_long" in answer, answer[:200]
    with socket.create_connection(("127.0.0.1", port)) as raw:  # uvicorn warns about it itself
        raw.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        raw.recv(1024)
    return {subscriber_secret, token}
