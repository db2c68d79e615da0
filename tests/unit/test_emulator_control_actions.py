"""The control API's actions come from one explicit table (``emulator/control/actions.py``): every
action function is listed, none is registered as a side effect of an import, and a module of actions
that cannot be imported stops the emulator at import, loudly."""

from __future__ import annotations

import importlib
import inspect
import sys
from types import ModuleType

import pytest

from ashby_connector.emulator.control import actions, service_actions, state_actions, ui_events

MODULES = (state_actions, service_actions, ui_events)


def _action_functions(module: ModuleType) -> set[str]:
    """The public functions of ``module`` shaped like an action: ``(emu, args) -> dict``."""
    found = set()
    for name, fn in vars(module).items():
        if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
            continue
        if list(inspect.signature(fn).parameters) == ["emu", "args"]:
            found.add(f"{module.__name__.rsplit('.', 1)[1]}.{name}")
    return found


def test_the_table_lists_every_action_function() -> None:
    listed = {f"{fn.__module__.rsplit('.', 1)[1]}.{fn.__name__}" for fn in actions.ACTIONS.values()}
    written = set().union(*(_action_functions(m) for m in MODULES))
    assert written - listed == set(), "action functions missing from control/actions.py"
    assert listed <= written
    # The names the tests, the demo and the docs use.
    for name in (
        "reset",
        "seed",
        "keys",
        "faults",
        "webhooks/emit",
        "candidates/merge",
        "jobs/transition_plan",
    ):
        assert name in actions.ACTIONS


def test_no_module_of_actions_imports_the_dispatcher() -> None:
    """The table imports the action modules; nothing imports back (the old circle through api.py)."""
    for module in (*MODULES, actions):
        source = inspect.getsource(module)
        assert "control.api" not in source and "control import api" not in source, module.__name__


@pytest.mark.parametrize("broken", ["state_actions", "service_actions", "ui_events"])
def test_a_broken_module_of_actions_fails_the_import_naming_it(
    monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    package = sys.modules["ashby_connector.emulator.control"]
    monkeypatch.delattr(package, broken)
    monkeypatch.setitem(sys.modules, f"ashby_connector.emulator.control.{broken}", None)  # cannot import
    for dependent in ("actions", "api"):
        monkeypatch.delitem(sys.modules, f"ashby_connector.emulator.control.{dependent}")
        monkeypatch.delattr(package, dependent)
    with pytest.raises(ImportError, match=broken):
        importlib.import_module("ashby_connector.emulator.control.api")
