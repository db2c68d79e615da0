"""Test helpers shared by the emulator-extras tests: a bare-httpx caller for one emulator.

The emulator must not be tested through ``ashby_connector.client`` (the two could agree on a
mistake), so these talk HTTP directly.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from ashby_connector.emulator.in_process import EmulatorHandle, run_emulator


class Api:
    def __init__(self, emu: EmulatorHandle, key: str | None = None) -> None:
        self.emu = emu
        self.http = httpx.Client(base_url=emu.base_url, auth=(key or emu.api_key, ""), timeout=30)

    def raw(self, op: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.http.post(f"/{op}", json=body or {})

    def call(self, op: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        resp = self.raw(op, body)
        data: dict[str, Any] = resp.json()
        return data

    def ok(self, op: str, body: dict[str, Any] | None = None) -> Any:
        data = self.call(op, body)
        assert data.get("success") is True, data
        return data["results"]

    def error(self, op: str, body: dict[str, Any] | None = None) -> str:
        data = self.call(op, body)
        assert data.get("success") is False, data
        return str(data["errorInfo"]["code"])

    def control(self, name: str, /, **args: Any) -> dict[str, Any]:
        """``POST /_emulator/<name>`` (positional-only, so an ``action`` argument can pass through)."""
        resp = httpx.post(
            f"{self.emu.base_url}/_emulator/{name}",
            json=args,
            headers={"Authorization": f"Bearer {self.emu.admin_key}"},
            timeout=30,
        )
        data: dict[str, Any] = resp.json()
        assert data.get("ok") is True, data
        return data

    def close(self) -> None:
        self.http.close()


@contextmanager
def emulator_api(**settings: Any) -> Iterator[Api]:
    settings.setdefault("candidates", 20)
    settings.setdefault("webhook_time_scale", 0.001)
    settings.setdefault("rate_limit_per_minute", None)
    with run_emulator(**settings) as emu:
        api = Api(emu)
        try:
            yield api
        finally:
            api.close()


def first_open_job(api: Api) -> dict[str, Any]:
    jobs = api.ok("job.list", {})
    return next(j for j in jobs if j.get("status") == "Open")


def stages_of(api: Api, plan_id: str) -> list[dict[str, Any]]:
    stages: list[dict[str, Any]] = api.ok("interviewStage.list", {"interviewPlanId": plan_id})
    return sorted(stages, key=lambda s: s["orderInInterviewPlan"])


def new_application(api: Api, name: str = "Test Candidate") -> dict[str, Any]:
    cand = api.ok(
        "candidate.create", {"name": name, "email": f"{name.replace(' ', '.').lower()}@example.com"}
    )
    app: dict[str, Any] = api.ok(
        "application.create", {"candidateId": cand["id"], "jobId": first_open_job(api)["id"]}
    )
    return app


class Receiver:
    """A webhook endpoint on 127.0.0.1 answering from a script of status codes (last one repeats)."""

    def __init__(self) -> None:
        self.statuses: list[int] = [200]
        self.delay = 0.0
        # When set, every answer waits until the test opens the gate: a receiver that is slow for
        # exactly as long as the test needs, with no clock involved.
        self.gate: threading.Event | None = None
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    index = min(len(receiver.requests) - 1, len(receiver.statuses) - 1)
                    status = receiver.statuses[index]
                if receiver.gate is not None:
                    receiver.gate.wait(30)
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def bodies(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(body) for _, body in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
