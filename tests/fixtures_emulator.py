"""Emulator fixtures (owned by the emulator part).

``emulator``: one small seeded organisation for the whole session (treat it as read-mostly: tests
that write should use ids they created, or ``fresh_emulator``). ``fresh_emulator``: a clean
organisation for each test: a second session emulator, put back as it started through its control
API (``reset``: records, keys, limits, faults, webhook settings) before the test, which is much
cheaper than a process of its own. A test that needs its own process (a port of its own, other
settings, a restart) starts one with ``run_emulator``. Both are ``EmulatorHandle``s: ``.base_url``,
``.api_key``, ``.admin_key``, ``.state``, ``.control`` (``control.add_key(permissions=[...],
allow_confidential=False)`` etc.). Rate limits are off in fixtures so test speed never trips them;
tests of limits turn them on (the reset turns them off again).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ashby_connector.emulator import EmulatorHandle, run_emulator


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorHandle]:
    with run_emulator(seed=1, candidates=200, rate_limit_per_minute=None) as handle:
        yield handle


@pytest.fixture(scope="session")
def resettable_emulator() -> Iterator[EmulatorHandle]:
    """The process behind ``fresh_emulator`` (use ``fresh_emulator``: it resets it first)."""
    with run_emulator(seed=2, candidates=60, rate_limit_per_minute=None) as handle:
        yield handle


@pytest.fixture
def fresh_emulator(resettable_emulator: EmulatorHandle) -> EmulatorHandle:
    resettable_emulator.control.reset()
    return resettable_emulator
