"""The "delivery imports only the core" contracts of pyproject.toml cover every module of delivery,
and no contract is kept by ignoring imports. (tests/e2e/test_layers.py runs lint-imports and shows
a planted breach failing it.)"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "ashby_connector"
DELIVERY = ("server", "worker", "cli", "agents")


def contracts() -> dict[str, dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {c["id"]: c for c in config["contracts"]}


def modules_of(package: Path, packages: tuple[str, ...]) -> list[str]:
    """Every module under ``packages`` of ``package``, dotted (a package by its own name)."""
    found = []
    for name in packages:
        for path in sorted((package / name).rglob("*.py")):
            parts = ["ashby_connector", *path.relative_to(package).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            found.append(".".join(parts))
    return found


def covers(expression: str, module: str) -> bool:
    """Whether an import-linter module expression (``a.b``, ``a.*``, ``a.**``) matches ``module``."""
    if expression.endswith(".**"):
        return module.startswith(expression[:-2])
    if expression.endswith(".*"):
        prefix = expression[:-1]
        return module.startswith(prefix) and "." not in module[len(prefix) :]
    return module == expression


def uncovered(modules: list[str], found: dict[str, dict[str, Any]]) -> list[str]:
    ids = ("delivery-core-only", "delivery-ashby-tools")
    sources = [expression for c in ids for expression in found[c]["source_modules"]]
    return [m for m in modules if not any(covers(e, m) for e in sources)]


def test_every_delivery_module_is_a_source_of_a_delivery_contract() -> None:
    assert uncovered(modules_of(PACKAGE, DELIVERY), contracts()) == []


def test_only_the_commands_that_expose_ashby_access_are_left_out_of_the_main_contract() -> None:
    found = contracts()
    assert found["delivery-ashby-tools"]["source_modules"] == [
        "ashby_connector.cli.api_commands",
        "ashby_connector.cli.emulator_commands",
    ]
    main = found["delivery-core-only"]
    assert main["as_packages"] is False  # else a package entry would cover the two above as well
    for module in found["delivery-ashby-tools"]["source_modules"]:
        assert not any(covers(e, module) for e in main["source_modules"]), module


def test_a_new_module_left_out_of_the_contract_is_found(tmp_path: Path) -> None:
    (tmp_path / "cli").mkdir()
    (tmp_path / "cli" / "__init__.py").write_text("")
    (tmp_path / "cli" / "new_commands.py").write_text("from ashby_connector.store import Store\n")
    (tmp_path / "server" / "console").mkdir(parents=True)
    (tmp_path / "server" / "console" / "new_page.py").write_text("")
    modules = modules_of(tmp_path, ("cli", "server"))
    assert uncovered(modules, contracts()) == ["ashby_connector.cli.new_commands"]


def test_no_contract_ignores_an_import() -> None:
    """Every contract is kept by the code itself, never by a list of exceptions to it."""
    for contract_id, contract in contracts().items():
        assert not contract.get("ignore_imports"), contract_id
