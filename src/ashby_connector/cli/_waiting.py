"""Waiting on Ashby, visibly: a command that cannot reach Ashby says so at once (on stderr, one
line), keeps retrying, and gives up after ``--give-up-after`` seconds (30 by default)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from ashby_connector.core.connections.patience import ResponseEvent

DEFAULT_GIVE_UP_AFTER = 30.0
# A connection attempt that takes longer is retried: the notice comes within seconds even when
# packets to Ashby vanish (a slow answer is another matter: the request timeout stays 30 s).
CONNECT_TIMEOUT = 2.0
UNREACHABLE = {"ConnectError", "ConnectTimeout", "PoolTimeout", "RemoteProtocolError", "ReadError"}

GiveUpAfter = Annotated[
    float,
    typer.Option(
        "--give-up-after",
        envvar="ASHBY_GIVE_UP_AFTER",
        min=0,
        help="Seconds to keep retrying an Ashby that cannot be reached or answers with errors.",
    ),
]


def patient(give_up_after: float) -> dict[str, Any]:
    """``AshbyClient`` arguments: retry for ``give_up_after`` seconds, connect attempts of 2 s."""
    from ashby_connector.core.connections import patience

    return patience.patient(give_up_after, CONNECT_TIMEOUT)


class _Notice:
    def __init__(self, base_url: str, give_up_after: float) -> None:
        self.base_url = base_url
        self.give_up_after = give_up_after
        self.told = False

    def response(self, event: ResponseEvent) -> None:
        if event.status and self.told:
            sys.stderr.write(f"Ashby at {self.base_url} answers again\n")
            self.told = False

    def retry(self, operation: str, reason: str) -> None:
        if self.told or reason not in UNREACHABLE:
            return
        self.told = True
        sys.stderr.write(
            f"cannot reach Ashby at {self.base_url} ({reason}); retrying for up to "
            f"{self.give_up_after:g} s (--give-up-after)\n"
        )
        sys.stderr.flush()


@contextmanager
def told_when_unreachable(base_url: str, give_up_after: float) -> Iterator[None]:
    """While inside, the first retry for an unreachable Ashby prints one line on stderr."""
    from ashby_connector.core.connections.patience import observing

    with observing(_Notice(base_url, give_up_after)):
        yield
