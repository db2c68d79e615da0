"""Every Python recipe in docs/ runs as written, against a started emulator (and a server where a
page needs one), with the environment the docs tell a reader to set: ``ASHBY_API_KEY`` and
``ASHBY_BASE_URL`` pointing at the emulator (docs/client.md, "No Ashby account?").

Each page's ```python blocks run in order as one script in a fresh folder, in a process of their
own, as a reader pasting them one after the other would. Blocks that cannot run here are marked in
the page (``<!-- recipe: skip: why -->``, docs_recipes.py) and counted below, so none slips out.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ashby_connector.emulator import EmulatorHandle
from tests.e2e.docs_recipes import ROOT, Block, every_marker, page_script, python_blocks

PAGES = sorted(p for p in (ROOT / "docs").glob("*.md") if python_blocks(p))

# The blocks no test can run, by page, each with its reason in the page. Change these only with
# the page: a new skip must be seen in review.
SKIPPED: dict[str, int] = {}
# What pages print, as their comments say: the recipes ran and did what the page tells.
PRINTS: dict[str, list[str]] = {
    "catalog.md": ["unknown Ashby operation 'candidate.lst'; did you mean candidate.list"],
    "emulator-extras.md": ["delivered [200]", "complete ['Candidate ID'", "warehouse down", "error"],
    "webhooks.md": ["accepted\nduplicate\n401\natsApplication.created stage_onsite True\n"],
    "mcp.md": ["'pending_offers'"],
}
# Environment variables a page may fill its placeholders from that only a started server gives.
SERVER_VARS = {"ASHBY_CONNECTOR_URL", "ASHBY_CONNECTOR_KEY", "ASHBY_CONNECTION_ID"}


def _blocks(page: Path) -> list[Block]:
    return python_blocks(page)


@pytest.fixture(scope="module")
def docs_server(
    emulator: EmulatorHandle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """One server for the file's pages that need one: a tenant, and a connection whose offers sync."""
    from tests.e2e.server_harness import run_server

    db = tmp_path_factory.mktemp("docs-server") / "server.db"
    with run_server(emulator.base_url, f"sqlite:///{db}", lifespan="on", scheduler="off") as server:
        http = server.tenant("docs")
        connection_id = server.connect(http, emulator.api_key, sync=False)
        started = http.post("/syncs", headers={"X-Connection-Id": connection_id}, json={"streams": ["offer"]})
        assert started.status_code in (200, 201, 202), started.text
        yield {
            "ASHBY_CONNECTOR_URL": server.url,
            "ASHBY_CONNECTOR_KEY": http.headers["Authorization"].removeprefix("Bearer "),
            "ASHBY_CONNECTION_ID": connection_id,
        }
        http.close()


def _environment(emulator: EmulatorHandle) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("ASHBY_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["ASHBY_API_KEY"] = emulator.api_key
    env["ASHBY_BASE_URL"] = emulator.base_url
    return env


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
@pytest.mark.timeout(300)
def test_page_recipes_run(
    page: Path, emulator: EmulatorHandle, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    blocks = _blocks(page)
    env = _environment(emulator)
    if any(name in SERVER_VARS for block in blocks if not block.skip for name in block.fills.values()):
        env.update(request.getfixturevalue("docs_server"))
    script = page_script(blocks, env)
    (tmp_path / "recipes.py").write_text(script)
    done = subprocess.run(
        [sys.executable, "recipes.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=280
    )
    numbered = "\n".join(f"{n:4} {line}" for n, line in enumerate(script.splitlines(), 1))
    assert done.returncode == 0, f"{numbered}\n\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr  # nor one ignored on the way out
    missing = [text for text in PRINTS.get(page.name, []) if text not in done.stdout]
    assert missing == [], f"stdout:\n{done.stdout}"


def test_skipped_recipes_are_counted() -> None:
    skipped = {p.name: sum(1 for b in _blocks(p) if b.skip) for p in PAGES}
    assert {name: n for name, n in skipped.items() if n} == SKIPPED


def test_every_marker_belongs_to_a_block() -> None:
    """A marker away from its block (an edit moved it) would silently stop applying."""
    for page in sorted((ROOT / "docs").glob("*.md")):
        blocks = python_blocks(page)
        attached = sum(b.markers for b in blocks)
        assert every_marker(page) == attached, page.name
