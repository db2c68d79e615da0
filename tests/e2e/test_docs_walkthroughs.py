"""The docs' walkthroughs run as written: each page's ```bash blocks, on free ports, in a fresh folder,
with the package's commands on PATH (the same commands a reader types)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASH_BLOCK = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_walkthrough(page: str, tmp_path: Path) -> str:
    blocks = BASH_BLOCK.findall((ROOT / "docs" / page).read_text())
    assert blocks, f"docs/{page} has no runnable walkthrough"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "EMU_PORT": str(_free_port()),
        "API_PORT": str(_free_port()),
    }
    env.pop("ASHBY_CONNECTOR_MASTER_KEY", None)
    done = subprocess.run(
        ["bash", "-c", "\n".join(blocks)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=840
    )
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return done.stdout


# About a minute on a quiet machine (a dozen command launches); the bound is for a loaded one.
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_assessment_walkthrough(tmp_path: Path) -> None:
    out = run_walkthrough("assessments.md", tmp_path)
    assert "Ashby started assessment" in out
    lines = out.splitlines()
    assert lines[-4:] == ["delivered", "Completed", "Completed 87", "401"], out


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_directory_walkthrough(tmp_path: Path) -> None:
    out = run_walkthrough("directory.md", tmp_path)
    assert out.splitlines() == [
        "2 missing, 0 new",
        "dry run, nothing changed: 2 create, 0 update, 0 deactivate, 1 unchanged",
        "2 create, 0 update, 0 deactivate, 1 unchanged",
        "0 create, 0 update, 0 deactivate, 3 unchanged",
        "new: ada@example.com, grace@example.com",
        "In Ashby, Admin > Users > Ada Lovelace: change Global Role from Limited Access to Elevated Access",
        "In Ashby, Admin > Users > Grace Hopper: change Global Role from Limited Access to "
        "Organization Admin",
        "deactivate       grace@example.com  (inactive in the file)",
        "[('Limited Access', False)]",
    ], out


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_server_walkthrough(tmp_path: Path) -> None:
    out = run_walkthrough("server.md", tmp_path)
    lines = out.splitlines()
    assert lines[:5] == [
        "ready",
        "Hedy Dijkstra",
        "operation_not_requested",
        "['atsCandidate::list', 'atsJob::list']",
        "Recruiter",
    ], out
    assert lines[5].startswith("open http://127.0.0.1:") and "/connect/" in lines[5], out
    assert lines[6:] == ["200"], out
