"""The application core: the use cases, as plain objects built once per process from settings.

``Core`` (``core.app``) holds them all and is handed to the delivery layers (server routes,
workers, the command line, agents), which only parse input, call it and render its answer. Each
folder is one thing a user does (docs/CONTRACTS.md, "The core, folder by folder"):

- ``connections``: create, rotate, delete; one client per connection; access, requested
  operations, child policies, branding.
- ``syncs``: every sync run, whoever starts it, through ``SyncRuns`` (``core.syncs``): the lease,
  the history with its ``Trigger`` and ``Mode``, events, metrics, one log line.
- ``freshness``: schedules, the fast lane, retention, status. ``resources``: unified reads and
  writes. ``insights``, ``assessments``, ``directory``. ``runtime``: logs, metrics, master key.
- ``errors``: ``CoreError`` and the one error envelope; ``settings``.

Delivery (``server``, ``worker``, ``cli``, ``agents``) imports the core's names and nothing else of
ours (the "delivery imports only the core" contract in ``pyproject.toml``). The store a command
opens and hands to ``Core.single_key`` is named here too (``Store``, ``StoreError``,
``normalize_url``), and ``Tenancy``, the platform keys a command manages without the master key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ashby_connector._lazy import lazy_attributes

if TYPE_CHECKING:
    from ashby_connector.core.app import Core
    from ashby_connector.core.errors import CoreError
    from ashby_connector.core.settings import Settings
    from ashby_connector.core.syncs.modes import Mode, Trigger
    from ashby_connector.store import ChangeCallbackFor, Store, StoreError, normalize_url
    from ashby_connector.store.tenancy import ConnectionRow, Tenancy

# Loaded on first use: importing a light module of the core (``core.settings``, ``core.errors``)
# must not build the whole application (the command line's start-up time, docs/development.md).
_LAZY = {
    "Core": "ashby_connector.core.app",
    "CoreError": "ashby_connector.core.errors",
    "Settings": "ashby_connector.core.settings",
    "Mode": "ashby_connector.core.syncs.modes",
    "Trigger": "ashby_connector.core.syncs.modes",
    "ConnectionRow": "ashby_connector.store.tenancy",
    "ChangeCallbackFor": "ashby_connector.store",
    "Store": "ashby_connector.store",
    "StoreError": "ashby_connector.store",
    "Tenancy": "ashby_connector.store.tenancy",
    "normalize_url": "ashby_connector.store",
}

__all__ = [
    "ChangeCallbackFor",
    "ConnectionRow",
    "Core",
    "CoreError",
    "Mode",
    "Settings",
    "Store",
    "StoreError",
    "Tenancy",
    "Trigger",
    "normalize_url",
]

__getattr__ = lazy_attributes(__name__, _LAZY)
