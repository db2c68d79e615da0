"""A list's own share of its key's budget (``sync --operation-limit application.listHistory=100``):
a child list that costs a request per parent can be slowed without slowing the others."""

from __future__ import annotations

from ashby_connector import catalog


def parse_operation_limits(values: list[str] | None, option: str = "--operation-limit") -> dict[str, float]:
    """``application.listHistory=100`` -> {operation: requests per minute}. ``ValueError`` naming
    ``option`` and the bad value: an unknown operation, a missing or non-positive number."""
    out: dict[str, float] = {}
    for value in values or ():
        name, sep, number = (p.strip() for p in value.partition("="))
        try:
            catalog.operation(name)
            per_minute = float(number)
        except (catalog.UnknownOperationError, ValueError):
            raise ValueError(
                f"{option} {value!r}: expected operation=requests per minute "
                "with a known operation, e.g. application.listHistory=100"
            ) from None
        if not sep or per_minute <= 0:
            raise ValueError(f"{option} {value!r}: the limit must be a positive number")
        out[name] = per_minute
    return out
