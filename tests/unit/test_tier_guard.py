"""The unit tier's check refuses what tests/unit may not start (tests/tier_guard.py)."""

from __future__ import annotations

import socket
import subprocess

import pytest
import sqlalchemy

from tests.tier_guard import INTEGRATION, TierViolation, guarded


def test_a_unit_test_cannot_open_a_connection() -> None:
    with pytest.raises(TierViolation, match="tests/unit tried to"):
        socket.create_connection(("127.0.0.1", 9), timeout=0.1)


def test_a_unit_test_cannot_start_a_server_or_a_process() -> None:
    with socket.socket() as sock, pytest.raises(TierViolation, match="bind a socket"):
        sock.bind(("127.0.0.1", 0))
    with pytest.raises(TierViolation, match="start a subprocess"):
        subprocess.run(["true"], check=False)


def test_a_unit_test_cannot_open_a_store() -> None:
    with pytest.raises(TierViolation, match="open a store"):
        sqlalchemy.create_engine("sqlite://")


def test_the_integration_tier_refuses_servers() -> None:
    refused = pytest.raises(TierViolation, match="tests/integration tried to bind")
    with guarded(INTEGRATION), socket.socket() as sock, refused:
        sock.bind(("127.0.0.1", 0))
