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
    }
    for path, code in planted.items():
        (package / path).write_text(code)
    result = _lint_imports(tmp_path)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "Contracts: 0 kept, 4 broken." in out
    for importer, imported in [
        ("ashby_connector.store._breach", "ashby_connector.sync"),
        ("ashby_connector.emulator._breach", "ashby_connector.client"),
        ("ashby_connector.sync._breach", "fastapi"),
        ("ashby_connector.unified._breach", "rich"),
    ]:
        assert f"{importer} -> {imported}" in out, out
