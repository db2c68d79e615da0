"""What a sync run does (``Mode``) and who asked for it (``Trigger``): each defined once, here.

Both are string enums, so the history, the API and the metrics keep their plain values
(``"reconcile"``, ``"cli"``) and a value read back from the store converts with ``Mode(value)``.
"""

from __future__ import annotations

from enum import StrEnum


class Mode(StrEnum):
    """``incremental`` sends each list's saved syncToken; ``full`` re-lists everything;
    ``reconcile`` re-lists everything and marks what vanished as deleted."""

    INCREMENTAL = "incremental"
    FULL = "full"
    RECONCILE = "reconcile"

    @property
    def full(self) -> bool:
        """The run re-lists everything (ignores saved syncTokens)."""
        return self is not Mode.INCREMENTAL

    @property
    def reconcile(self) -> bool:
        return self is Mode.RECONCILE

    @classmethod
    def of(cls, *, full: bool = False, reconcile: bool = False) -> Mode:
        """The mode a command line's ``--full`` / ``--reconcile`` flags ask for."""
        return cls.RECONCILE if reconcile else cls.FULL if full else cls.INCREMENTAL


class Trigger(StrEnum):
    """``manual``: asked through the REST API (``POST /syncs``); ``console``: an operator pressed
    a button of the console (``/console``); ``cli``: a command (``ashby-connector sync``, ``demo``);
    ``schedule``: the scheduler or the fast lane; ``webhook``: lists a webhook's payload could not
    bring up to date."""

    MANUAL = "manual"
    CONSOLE = "console"
    CLI = "cli"
    SCHEDULE = "schedule"
    WEBHOOK = "webhook"
