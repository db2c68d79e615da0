"""Ashby's ``updatedAt`` values, compared as instants (formats vary: ``Z``, offsets, millis)."""

from __future__ import annotations

from typing import Any

from ashby_connector.times import parse_instant


def is_newer(incoming: dict[str, Any], stored: dict[str, Any]) -> bool:
    """True when ``incoming`` should replace ``stored``.

    Strictly newer ``updatedAt`` wins; an equal one is the same version (a redelivery or a related
    webhook), so nothing changes. Without timestamps on both sides, a differing record wins: there
    is nothing better to order by.
    """
    new_at, old_at = parse_instant(incoming.get("updatedAt")), parse_instant(stored.get("updatedAt"))
    if new_at is not None and old_at is not None:
        return new_at > old_at
    return incoming != stored
