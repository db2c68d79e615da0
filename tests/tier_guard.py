"""What a test tier may start, checked while each of its tests runs (docs/development.md, "Test tiers").

``tests/unit`` starts nothing: no socket (neither a server's nor a client's), no name lookup, no
subprocess, no database connection. ``tests/integration`` may use the store (SQLite files, and the
session's private PostgreSQL server for the variants marked ``postgres``) and in-process apps
(FastAPI/Starlette ``TestClient``, ASGI transports); it starts no server on a socket and no
subprocess. Anything else belongs in ``tests/e2e``.

The check wraps the setup and the call of each test of the tier, not its teardown: the teardown of a
session fixture (an emulator another tier started) can fall in any test's teardown. Threads that were
already running when the test began (a session emulator started by an e2e test in the same worker)
are not the test's doing and pass through; threads the test starts are checked like the test itself.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy

UNIT = "unit"
INTEGRATION = "integration"

# The way out of the check for the one thing integration tests may start: the private PostgreSQL
# server (fixtures_postgres.py lifts the check while it runs initdb and pg_ctl).
_lifted = threading.local()


class TierViolation(AssertionError):
    """A test did something its tier says it does not do (move it to the tier that allows it)."""


@contextmanager
def lifted() -> Iterator[None]:
    """Let the current thread start what the session's PostgreSQL fixture needs."""
    before = getattr(_lifted, "on", False)
    _lifted.on = True
    try:
        yield
    finally:
        _lifted.on = before


def _refuser(tier: str, what: str, original: Callable[..., Any], exempt: set[int]) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        if threading.get_ident() in exempt or getattr(_lifted, "on", False):
            return original(*args, **kwargs)
        raise TierViolation(
            f"a test in tests/{tier} tried to {what}: tests/{tier} does not allow it "
            "(see tests/tier_guard.py; a test that needs it belongs in a later tier)"
        )

    return refuse


def _targets(tier: str) -> list[tuple[Any, str, str]]:
    """(owner, attribute, what it does) for each door the tier keeps shut."""
    shut: list[tuple[Any, str, str]] = [
        (socket.socket, "bind", "bind a socket (start a server)"),
        (socket.socket, "listen", "listen on a socket (start a server)"),
        (subprocess.Popen, "__init__", "start a subprocess"),
        (os, "fork", "fork a process"),
        (os, "system", "run a shell command"),
        (os, "posix_spawn", "spawn a process"),
        (os, "posix_spawnp", "spawn a process"),
    ]
    if tier == UNIT:
        shut += [
            (socket.socket, "connect", "open a network connection"),
            (socket.socket, "connect_ex", "open a network connection"),
            (socket, "getaddrinfo", "look up a host name"),
            (sqlalchemy, "create_engine", "open a store (an SQL database)"),
        ]
        try:
            import psycopg
        except ImportError:  # pragma: no cover - the postgres extra is part of the dev install
            pass
        else:
            shut.append((psycopg, "connect", "connect to a database server"))
    return shut


@contextmanager
def guarded(tier: str) -> Iterator[None]:
    exempt = {thread.ident for thread in threading.enumerate() if thread.ident is not None}
    exempt.discard(threading.get_ident())
    patch = pytest.MonkeyPatch()
    try:
        for owner, name, what in _targets(tier):
            original = getattr(owner, name, None)
            if original is not None:
                patch.setattr(owner, name, _refuser(tier, what, original, exempt))
        yield
    finally:
        patch.undo()


def tier_hooks(tier: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The ``pytest_runtest_setup`` and ``pytest_runtest_call`` wrappers a tier's conftest exports."""

    @pytest.hookimpl(wrapper=True)
    def setup(item: pytest.Item) -> Iterator[None]:
        with guarded(tier):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def call(item: pytest.Item) -> Iterator[None]:
        with guarded(tier):
            return (yield)

    return setup, call
