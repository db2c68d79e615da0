"""The application core: the use cases, as plain objects built once per process from settings.

``Core`` (``core.app``) holds them all and is handed to the delivery layers (server routes,
workers, the command line), which only parse input, call it and render its answer.

- ``connections``: create (key, permissions and requested operations checked), rotate, delete
  (complete and immediate).
- ``clients``: one cached Ashby client per connection, rebuilt when its key changes.
- ``events``: store changes become unified events with the connection's field mapping.
- ``syncs`` and ``runner``: sync runs of this process, their status, recovery after a crash.
- ``resources`` and ``access``: unified reads and writes; what a key can do.
- ``errors``: ``CoreError`` and the one error envelope; ``settings`` and ``master_key``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ashby_connector._lazy import lazy_attributes

if TYPE_CHECKING:
    from ashby_connector.core.app import Core
    from ashby_connector.core.errors import CoreError
    from ashby_connector.core.settings import Settings
    from ashby_connector.store.tenancy import ConnectionRow

# Loaded on first use: importing a light module of the core (``core.settings``, ``core.errors``)
# must not build the whole application (the command line's start-up time, docs/development.md).
_LAZY = {
    "Core": "ashby_connector.core.app",
    "CoreError": "ashby_connector.core.errors",
    "Settings": "ashby_connector.core.settings",
    "ConnectionRow": "ashby_connector.store.tenancy",
}

__all__ = ["ConnectionRow", "Core", "CoreError", "Settings"]

__getattr__ = lazy_attributes(__name__, _LAZY)
