"""Every command's help is complete: an example that names the command, every option and argument
described, no type placeholder on flags, and one default size for an emulated organisation."""

from __future__ import annotations

from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from ashby_connector.cli import app
from ashby_connector.cli._options import DEFAULT_CANDIDATES


def _commands() -> list[tuple[list[str], Any]]:
    found: list[tuple[list[str], Any]] = []

    def walk(command: Any, path: list[str]) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
        else:
            found.append((path, command))

    walk(typer.main.get_command(app), [])
    return found


COMMANDS = _commands()


def test_the_walk_finds_every_command() -> None:
    assert len(COMMANDS) >= 25


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_help_has_an_example_and_describes_everything(path: list[str], command: Any) -> None:
    shown = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "300"}).output
    assert f"Example: ashby-connector {' '.join(path)}" in shown, shown
    undescribed = [p.name for p in command.params if not p.hidden and not getattr(p, "help", None)]
    assert undescribed == [], f"{' '.join(path)}: {undescribed} have no help"
    assert "<bool" not in shown


def test_one_default_size_for_an_emulated_organisation() -> None:
    defaults = {
        " ".join(path): next(p.default for p in command.params if p.name == "candidates")
        for path, command in COMMANDS
        if any(p.name == "candidates" for p in command.params)
    }
    assert set(defaults) == {"emulator", "sync", "demo"}
    assert set(defaults.values()) == {DEFAULT_CANDIDATES}, defaults
