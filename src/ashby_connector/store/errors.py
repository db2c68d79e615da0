"""Store errors: one clear message a person can act on."""

from __future__ import annotations


class StoreError(Exception):
    """The database cannot be opened, migrated or written."""


class ConnectionGoneError(StoreError):
    """A write for a connection that was deleted (a sync that was running when it was)."""
