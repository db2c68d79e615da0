"""``ashby-connector emulator``: prints its URL and keys, serves, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from ashby_connector.emulator.in_process import free_port

CLI = Path(sys.executable).with_name("ashby-connector")


def test_cli_serves_and_stops_on_ctrl_c() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [
            str(CLI),
            "emulator",
            "--port",
            str(port),
            "--candidates",
            "50",
            "--api-key",
            "KEY",
            "--rate-limit",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                resp = httpx.post(f"http://127.0.0.1:{port}/job.list", json={}, auth=("KEY", ""), timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert resp.json()["success"] is True
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert f"http://127.0.0.1:{port}" in out
    assert "KEY" in out and "Admin key" in out
    assert "Emulator stopped" in out


def test_unknown_fault_kind_is_refused_with_the_valid_kinds() -> None:
    from typer.testing import CliRunner

    from ashby_connector.cli import app

    result = CliRunner().invoke(app, ["emulator", "--candidates", "5", "--faults", "501:0.5"])
    assert result.exit_code == 2
    text = " ".join(result.output.replace("│", " ").split())  # the error box wraps lines
    assert "unknown fault kind '501'" in text
    assert "500, 502, 503, 429, timeout, reset, truncate, latency_ms, hang_s" in text
    assert "Traceback" not in result.output
