"""What starting the command line and importing the client load, in a fresh interpreter each: the
store, the server, the resource modules and the models wait until a command or an attribute needs
them (start-up time; figures from benchmarks/startup.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("sqlalchemy", "alembic", "fastapi", "uvicorn", "ashby_connector.store", "ashby_connector.server")


def loaded_after(code: str) -> set[str]:
    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "argv", [["--help"], ["version"], ["sync", "--help"], ["serve", "--help"]], ids=" ".join
)
def test_help_and_version_load_neither_the_store_nor_the_server(argv: list[str]) -> None:
    code = (
        f"sys.argv = ['ashby-connector', *{argv!r}]\n"
        "from ashby_connector.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    loaded = loaded_after(code)
    assert not {m for m in loaded if m.split(".")[0] in HEAVY or m.startswith(HEAVY)}


def test_the_client_loads_a_resource_module_and_its_models_on_first_use() -> None:
    loaded = loaded_after("import ashby_connector.client")
    assert "ashby_connector.client.resources.candidate" not in loaded
    assert "ashby_connector.types.candidate" not in loaded
    used = loaded_after(
        "from ashby_connector.client import AshbyClient\n"
        "AshbyClient('k', base_url='http://127.0.0.1:9', rate_limit_per_minute=None).candidate"
    )
    assert {"ashby_connector.client.resources.candidate", "ashby_connector.types.candidate"} <= used
    assert "ashby_connector.client.resources.job" not in used
    assert not {m for m in used if m.startswith(HEAVY)}


def test_every_model_is_still_importable_from_the_package() -> None:
    loaded = loaded_after(
        "from ashby_connector.types import Candidate, Job\nassert Candidate.__name__ == 'Candidate'"
    )
    assert "ashby_connector.types.job" in loaded
