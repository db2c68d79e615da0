"""What a sync run does: ``Mode``, defined once, here (the sync engine takes it; the core, the
history and the API use the same enum through ``core.syncs.modes``).

A string enum, so the history, the API and the metrics keep its plain values (``"reconcile"``) and
a value read back from the store converts with ``Mode(value)``.
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
