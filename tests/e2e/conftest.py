"""The contract tests' own figures, printed under pytest's summary so that a change that makes
fewer operations prove a success is seen (the floor tests fail it)."""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.e2e.test_client_against_emulator import typed_success_operations
    from tests.e2e.test_emulator_contract import OPS, validated_success_operations

    emulator = len(validated_success_operations())
    client = len(typed_success_operations())
    terminalreporter.write_line(
        f"contract: {emulator} of {len(OPS)} operations answered success validated by their schema; "
        f"the client parsed {client} typed successes"
    )
