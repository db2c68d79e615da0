"""A stateful local Ashby: every catalog operation, keys, pagination, limits and faults.

    >>> from ashby_connector.emulator import run_emulator
    >>> with run_emulator(seed=1, candidates=100) as emu:  # doctest: +SKIP
    ...     print(emu.base_url, emu.api_key)

Depends on ``ashby_connector.catalog`` only (never on the client). See ``README_INTERNAL.md`` for
adding handlers and ``docs/emulator.md`` for users.
"""

from __future__ import annotations

from ashby_connector.emulator.app import EmulatorApp, create_app
from ashby_connector.emulator.config import ApiKeyConfig, EmulatorConfig
from ashby_connector.emulator.errors import ApiError
from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.handlers.registry import handler
from ashby_connector.emulator.in_process import Control, EmulatorHandle, run_emulator
from ashby_connector.emulator.organisation import Emulator
from ashby_connector.emulator.records.state import State

__all__ = [
    "ApiError",
    "ApiKeyConfig",
    "Control",
    "Ctx",
    "Emulator",
    "EmulatorApp",
    "EmulatorConfig",
    "EmulatorHandle",
    "State",
    "create_app",
    "handler",
    "run_emulator",
]
