"""The envelope of every answer: the data, how fresh it is, what Ashby was asked for it."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ashby_connector import times
from ashby_connector.times import parse_instant as parse_time

__all__ = ["Answer", "Freshness", "days_between", "iso", "median_days", "parse_time", "person", "ref"]


@dataclass(frozen=True)
class Freshness:
    """Per list read: when its last sync finished successfully (None: never synced)."""

    last_success: dict[str, datetime | None]

    def to_dict(self) -> dict[str, Any]:
        synced = [at for at in self.last_success.values() if at is not None]
        return {
            "lastSuccessfulSync": {s: iso(at) for s, at in sorted(self.last_success.items())},
            # The answer is at least as current as its least current list.
            "asOf": iso(min(synced)) if synced else None,
            "neverSynced": sorted(s for s, at in self.last_success.items() if at is None),
        }


@dataclass
class Answer:
    data: dict[str, Any]
    freshness: Freshness
    lazy_fetches: list[str] = field(default_factory=list)
    omitted: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = {**self.data, "freshness": self.freshness.to_dict()}
        # Each lazy fetch is one Ashby request (more for a parent with over 100 children).
        out["ashbyRequests"] = {"lazyFetches": self.lazy_fetches, "count": len(self.lazy_fetches)}
        if self.omitted:
            out["omitted"] = self.omitted
        return out


def iso(value: datetime | None) -> str | None:
    return times.iso(value, z=True)


def days_between(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 86400, 1)


def median_days(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def person(user: Any) -> str | None:
    """A user object's display name (``firstName lastName``), or its email."""
    if not isinstance(user, dict):
        return None
    name = " ".join(str(user[k]) for k in ("firstName", "lastName") if user.get(k))
    return name or (str(user["email"]) if user.get("email") else None)


def ref(value: Any) -> str | None:
    """The id of an embedded object (``{"id": ...}``) or the id itself."""
    if isinstance(value, dict):
        ident = value.get("id")
        return ident if isinstance(ident, str) else None
    return value if isinstance(value, str) else None
