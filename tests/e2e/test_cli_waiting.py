"""Waiting is visible on the command line: an unreachable Ashby is named at once and given up on
after --give-up-after; a busy port is refused before anything is announced; a plan or a failed
first sync leaves no database file behind."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

CLI = [sys.executable, "-c", "from ashby_connector.cli import main; main()"]


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens there once closed


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", [["sync", "--db", "sqlite:///first.db"], ["call", "candidate.list"]])
def test_an_unreachable_ashby_is_named_at_once_and_given_up_on(
    command: list[str], closed_port: int, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    done = _run(*command, "--api-key", "k", "--base-url", url, "--give-up-after", "1", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines[0] == f"cannot reach Ashby at {url} (ConnectError); retrying for up to 1 s (--give-up-after)"
    assert lines[-1].startswith("error: ") and "could not reach Ashby" in lines[-1]
    assert list(tmp_path.iterdir()) == []  # the first sync stored nothing: no database file left


def test_serve_refuses_a_busy_port_in_one_line_before_announcing(busy_port: int, tmp_path: Path) -> None:
    done = _run("serve", "--port", str(busy_port), "--db", "sqlite:///s.db", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert (
        done.stderr
        == f"error: port {busy_port} on 127.0.0.1 is in use (another server?): choose another with --port\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_plan_writes_no_database_and_says_what_counting_cost(tmp_path: Path) -> None:
    done = _run(
        "sync", "--emulator", "--candidates", "20", "--plan", "--json", "--db", "sqlite:///p.db", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert '"countRequests"' in done.stdout or '"count_requests"' in done.stdout, done.stdout
    assert list(tmp_path.iterdir()) == []


def test_the_emulator_says_it_generates_and_announces_its_url_once_it_accepts(closed_port: int) -> None:
    import httpx

    from ashby_connector.emulator.organisation import _derived_key

    proc = subprocess.Popen(
        [*CLI, "emulator", "--port", str(closed_port), "--candidates", "20", "--rate-limit", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first == "Generating an organisation with 20 candidates (seed 1)...\n"
        lines = []
        while not (line := proc.stdout.readline()).startswith("Base URL:"):
            assert line, "".join(lines)
            lines.append(line)
        # The moment the URL shows, it answers.
        assert httpx.post(f"http://127.0.0.1:{closed_port}/apiKey.info", json={}).status_code == 401
        admin = proc.stdout.readline()
        admin = proc.stdout.readline()
        assert admin.startswith("Admin key:") and _derived_key(1, "admin") not in admin, admin
    finally:
        proc.terminate()
        proc.wait(timeout=30)
