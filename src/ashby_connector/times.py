"""Every time helper of the project, in one place, each named for what it takes.

Times are zone-aware UTC ``datetime`` values everywhere (the store hands them back so:
``store.schema.UtcDateTime``), or epoch seconds (``float``) where a value is compared and advanced
atomically in SQL (schedules, leases, heartbeats). ``iso`` takes a datetime, ``iso_epoch`` epoch
seconds; ``z=True`` writes ``Z`` for the zone, as Ashby and Standard Webhooks do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

TimeSpec = Literal["auto", "seconds", "milliseconds"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(at: datetime | None, *, z: bool = False, timespec: TimeSpec = "auto") -> str | None:
    """ISO-8601 in UTC (``2024-05-01T12:00:00+00:00``; ``...Z`` with ``z``); None for None."""
    if at is None:
        return None
    text = at.astimezone(UTC).isoformat(timespec=timespec)
    return text.replace("+00:00", "Z") if z else text


def iso_epoch(seconds: float | None, *, z: bool = False, timespec: TimeSpec = "auto") -> str | None:
    """``iso`` of a moment given in epoch seconds."""
    return None if seconds is None else iso(datetime.fromtimestamp(seconds, UTC), z=z, timespec=timespec)


def ashby_time(at: datetime) -> str:
    """The form Ashby writes times in (``2024-04-03T18:03:20.089Z``): compared as text in SQL."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def epoch_ms(at: datetime | None = None) -> int:
    """Epoch milliseconds of ``at`` (now when None)."""
    return int((at or utcnow()).timestamp() * 1000)


def parse_instant(value: Any) -> datetime | None:
    """A time Ashby wrote (``Z``, an offset, milliseconds or none; no zone means UTC), zone-aware;
    None for anything that is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
