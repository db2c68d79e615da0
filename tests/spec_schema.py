"""Reading Ashby's spec schemas in tests, with the one correction the spec needs."""

from __future__ import annotations

from typing import Any


def overlapping_one_of_as_any_of(schema: Any) -> Any:
    """The schema with each ``oneOf`` whose branches repeat read as ``anyOf``.

    The spec's custom field ``value`` is a ``oneOf`` listing ``{"type": "string"}`` twice and an
    object branch with no required keys, so under a strict reading no String, Date or range value
    (the values Ashby sends most) could ever be valid. Only such self-overlapping ``oneOf``s are
    relaxed; every other ``oneOf`` keeps its exactly-one meaning."""
    if isinstance(schema, list):
        return [overlapping_one_of_as_any_of(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: overlapping_one_of_as_any_of(v) for k, v in schema.items()}
    branches = schema.get("oneOf")
    if isinstance(branches, list) and len({repr(b) for b in branches}) < len(branches):
        out["anyOf"] = out.pop("oneOf")
    return out
