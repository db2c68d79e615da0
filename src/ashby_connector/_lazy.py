"""Package attributes loaded on first use (PEP 562), so that importing one light module of a package
does not import all of it. Type checkers see the names through each package's ``TYPE_CHECKING``
imports; this only decides when the import happens at run time."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_attributes(package: str, where: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``where[name]`` (a module path) when ``name`` is first read."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value  # the next read is an ordinary attribute
        return value

    return __getattr__
