"""The layering rules of docs/CONTRACTS.md hold, and the import-linter contracts catch a breach."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")


def _lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [LINT_IMPORTS, "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_code_keeps_every_contract() -> None:
    result = _lint_imports(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_contract_breaks_on_a_forbidden_import(tmp_path: Path) -> None:
    package = tmp_path / "ashby_connector"
    shutil.copytree(
        ROOT / "src" / "ashby_connector", package, ignore=shutil.ignore_patterns("data", "__pycache__")
    )
    planted = {
        "store/_breach.py": "import ashby_connector.sync\n",  # a lower layer reaching up
        "emulator/_breach.py": "import ashby_connector.client\n",  # the emulator using the client
        "sync/_breach.py": "import fastapi\n",  # a web framework below the server
        "unified/_breach.py": "import rich\n",  # a CLI library below the CLI
        # Delivery past the core: a route reaching the store, a worker module the sync engine.
        "server/_breach.py": "from ashby_connector.store.tenancy import Tenancy\n",
        "worker/_breach.py": "from ashby_connector.sync import SyncEngine\n",
    }
    for path, code in planted.items():
        (package / path).write_text(code)
    # A command module other than call/operations/emulator building a client itself, and the
    # `call` command's module reaching the store: appended to the copies of existing modules.
    appended = {
        "cli/_tables.py": "from ashby_connector.client import AshbyClient\n",
        "cli/api_commands.py": "from ashby_connector.store import Store\n",
    }
    for path, code in appended.items():
        with (package / path).open("a") as module:
            module.write(code)
    result = _lint_imports(tmp_path)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "Contracts: 0 kept, 6 broken." in out
    for importer, imported in [
        ("ashby_connector.store._breach", "ashby_connector.sync"),
        ("ashby_connector.emulator._breach", "ashby_connector.client"),
        ("ashby_connector.sync._breach", "fastapi"),
        ("ashby_connector.unified._breach", "rich"),
        ("ashby_connector.server._breach", "ashby_connector.store.tenancy"),
        ("ashby_connector.worker._breach", "ashby_connector.sync"),
        ("ashby_connector.cli._tables", "ashby_connector.client"),
        ("ashby_connector.cli.api_commands", "ashby_connector.store"),
    ]:
        assert f"{importer} -> {imported}" in out, out
