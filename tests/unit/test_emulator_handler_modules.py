"""A handler module that is missing or broken stops the emulator at once, naming it: its operations
must never fall through to the generic fallback unnoticed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ashby_connector.emulator import create_app
from ashby_connector.emulator.handlers import registry


def test_every_listed_handler_module_loads() -> None:
    registry.load_handlers(list(registry.HANDLER_MODULES))
    assert "candidate.create" in registry.HANDLERS


def test_a_missing_handler_module_is_an_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "HANDLER_MODULES", [*registry.HANDLER_MODULES, "candidat"])
    monkeypatch.setattr(registry, "_loaded", False)
    with pytest.raises(registry.HandlerModuleError, match=r"handlers\.candidat cannot be imported"):
        create_app()
    assert registry._loaded is False  # the next start tries again rather than running without it


def test_a_broken_handler_module_is_an_error_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    package = tmp_path / "ashby_connector" / "emulator" / "handlers"
    package.mkdir(parents=True)
    (package / "broken_area.py").write_text("raise RuntimeError('a typo in a handler module')\n")
    monkeypatch.setattr(
        sys.modules["ashby_connector.emulator.handlers"],
        "__path__",
        [*sys.modules["ashby_connector.emulator.handlers"].__path__, str(package)],
    )
    monkeypatch.setattr(registry, "HANDLER_MODULES", ["broken_area"])
    monkeypatch.setattr(registry, "_loaded", False)
    with pytest.raises(registry.HandlerModuleError, match=r"broken_area.*a typo in a handler module"):
        create_app()


def _plant(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, source: str) -> None:
    package = tmp_path / "ashby_connector" / "emulator" / "handlers"
    package.mkdir(parents=True, exist_ok=True)
    (package / f"{name}.py").write_text(source)
    handlers = sys.modules["ashby_connector.emulator.handlers"]
    monkeypatch.setattr(handlers, "__path__", [*handlers.__path__, str(package)])
    # Forgotten after the test (monkeypatch.delitem would put it back on undo).
    monkeypatch.setitem(sys.modules, f"ashby_connector.emulator.handlers.{name}", None)
    del sys.modules[f"ashby_connector.emulator.handlers.{name}"]


PLANTED = """
from ashby_connector.emulator.handlers.registry import handler

@handler("candidate.create")
def create(ctx):
    return {"planted": True}
"""


def test_a_marked_function_is_a_handler_only_through_the_table(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Importing a module registers nothing: the table is built from HANDLER_MODULES alone."""
    _plant(monkeypatch, tmp_path, "planted_area", PLANTED)
    monkeypatch.setattr(registry, "HANDLERS", {})
    monkeypatch.setattr(registry, "_loaded", False)
    import ashby_connector.emulator.handlers.planted_area  # noqa: F401

    assert registry.HANDLERS == {}
    registry.load_handlers()
    assert registry.HANDLERS["candidate.create"].__module__ == "ashby_connector.emulator.handlers.candidate"


def test_two_handlers_of_one_operation_are_an_error_naming_both(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _plant(monkeypatch, tmp_path, "second_candidate", PLANTED)
    monkeypatch.setattr(registry, "HANDLER_MODULES", [*registry.HANDLER_MODULES, "second_candidate"])
    monkeypatch.setattr(registry, "HANDLERS", {})
    monkeypatch.setattr(registry, "_loaded", False)
    with pytest.raises(
        registry.HandlerModuleError, match=r"candidate\.create has two handlers.*second_candidate"
    ):
        create_app()
