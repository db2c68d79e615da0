"""Query-string values, parsed with bounds: whatever a caller sends, a clear error, never a crash.

Framework-free so the same rules serve every route (and are property-tested on their own).
"""

from __future__ import annotations

from datetime import UTC, datetime

from ashby_connector.refusals import Refusal

# Far enough for any record, near enough that arithmetic around it (a day either side, conversion
# between zones) stays inside what ``datetime`` can hold.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)
MAX_VALUE_LENGTH = 500


class QueryParamError(Refusal, ValueError):
    """A bad query value; ``field`` names the parameter, ``code`` the kind of mistake: 400 for a
    filter or list the route does not take, 422 for a value out of bounds."""

    def __init__(self, field: str, message: str, code: str = "invalid_request") -> None:
        status = 400 if code in ("unknown_filter", "too_many_values") else 422
        super().__init__(status, code, message, field)


def parse_timestamp(value: str | None, field: str) -> datetime | None:
    """ISO-8601 with a zone (``2024-01-01T00:00:00Z``), as UTC, between 1900 and 9999."""
    if value is None:
        return None
    text = value.strip()
    if len(text) > 64:
        raise QueryParamError(field, f"{field}: give an ISO-8601 time of at most 64 characters")
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise QueryParamError(
            field, f"{field}: not an ISO-8601 time with a zone (e.g. 2024-01-01T00:00:00Z)"
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise QueryParamError(field, f"{field}: give a timezone (e.g. 2024-01-01T00:00:00Z)")
    try:
        moment = parsed.astimezone(UTC)
    except OverflowError:
        moment = None
    if moment is None or not EARLIEST <= moment <= LATEST:
        raise QueryParamError(field, f"{field}: must lie between 1900-01-01 and 9999-01-01")
    return moment


def parse_csv(value: str | None, field: str, most: int = 100) -> list[str] | None:
    """Comma-separated values (blank ones dropped), at most ``most`` of them."""
    if value is None:
        return None
    items = [v.strip() for v in value.split(",") if v.strip()]
    if len(items) > most:
        raise QueryParamError(field, f"{field} takes at most {most} values", "too_many_values")
    return items


def check_filters(filters: dict[str, str], allowed: set[str], model: str, most: int = 20) -> None:
    """Equality filters on a model's fields: known names, bounded count and length."""
    if len(filters) > most:
        raise QueryParamError("query", f"at most {most} filters at once", "too_many_values")
    for name, wanted in filters.items():
        if name not in allowed:
            message = f"{model} has no field {name[:100]!r} to filter on"
            raise QueryParamError(name[:100], message, "unknown_filter")
        if len(wanted) > MAX_VALUE_LENGTH:
            raise QueryParamError(name[:100], f"{name[:100]}: at most {MAX_VALUE_LENGTH} characters")
