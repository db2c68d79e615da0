#!/usr/bin/env python3
"""Emulator extras: write latency through HTTP and webhook delivery throughput, on 127.0.0.1.

- ``changeStage``: median and p95 latency of ``application.changeStage`` (with its webhooks queued
  to a subscribed receiver) over ``--writes`` calls, bare httpx, one client.
- ``deliveries``: ``--events`` applicationUpdate events emitted at once to one receiver that answers
  200; seconds until the sender is idle, and deliveries per second.
- ``upload``: a ``--megabytes`` file through the upload-handle flow and back through file.info.

    python benchmarks/emulator_extras.py [--writes 300] [--events 2000] [--megabytes 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from ashby_connector.emulator.in_process import run_emulator


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--megabytes", type=float, default=5.0)
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"

    with run_emulator(seed=7, candidates=200, rate_limit_per_minute=None, webhook_time_scale=0.001) as emu:
        api = httpx.Client(base_url=emu.base_url, auth=(emu.api_key, ""), timeout=60)

        def call(op: str, body: dict[str, Any]) -> Any:
            data = api.post(f"/{op}", json=body).json()
            assert data["success"], data
            return data["results"]

        for kind in ("applicationUpdate", "candidateStageChange"):
            call("webhook.create", {"webhookType": kind, "requestUrl": url, "secretToken": "bench"})
        cand = call("candidate.create", {"name": "Bench Mark"})
        job = next(j for j in call("job.list", {}) if j["status"] == "Open")
        app = call("application.create", {"candidateId": cand["id"], "jobId": job["id"]})
        plan = app["currentInterviewStage"]["interviewPlanId"]
        stages = [s for s in call("interviewStage.list", {"interviewPlanId": plan}) if s["type"] == "Active"]
        times = []
        for i in range(args.writes):
            started = time.perf_counter()
            call(
                "application.changeStage",
                {"applicationId": app["id"], "interviewStageId": stages[i % len(stages)]["id"]},
            )
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        print(
            f"changeStage: n={args.writes} median={statistics.median(times):.2f} ms "
            f"p95={times[int(len(times) * 0.95) - 1]:.2f} ms"
        )

        sender = emu.state.extras["webhook_sender"]
        assert sender.wait_idle(60)
        started = time.perf_counter()
        for i in range(args.events):
            emu.state.emit("applicationUpdate", {"application": {"id": str(i)}})
        assert sender.wait_idle(300)
        took = time.perf_counter() - started
        print(f"deliveries: n={args.events} {took:.2f} s {args.events / took:.0f}/s")

        data = os.urandom(int(args.megabytes * 1024 * 1024))
        started = time.perf_counter()
        handle = call(
            "file.createFileUploadHandle",
            {
                "filename": "big.bin",
                "contentType": "application/pdf",
                "contentLength": len(data),
                "fileUploadContext": "CandidateFiles",
            },
        )
        httpx.post(handle["url"], data=handle["fields"], files={"file": ("big.bin", data)}, timeout=60)
        got = httpx.get(call("file.info", {"fileHandle": handle["handle"]})["url"], timeout=60).content
        assert got == data
        took = time.perf_counter() - started
        print(f"upload+download: {args.megabytes:.1f} MB round trip {took:.2f} s, byte-exact")
    server.shutdown()


if __name__ == "__main__":
    main()
