"""Store errors: one clear message a person can act on."""

from __future__ import annotations


class StoreError(Exception):
    """The database cannot be opened, migrated or written."""
