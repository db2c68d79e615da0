"""Typed, cached access to the derived catalog files."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

Pagination = Literal["none", "cursor", "cursor+syncToken"]
Kind = Literal["read", "write"]
Direction = Literal["ashby", "partner"]

JSONSchema = dict[str, Any]


class UnknownOperationError(KeyError):
    """Raised for an operation or webhook name that Ashby's API does not have."""

    def __init__(self, name: str, known: list[str], what: str = "operation") -> None:
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        self.name = name
        self.suggestions = close
        super().__init__(f"unknown Ashby {what} {name!r}{hint}")

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True, slots=True)
class Operation:
    """One Ashby API operation (``POST /<module>.<method>``)."""

    name: str
    module: str
    method: str
    python_module: str
    python_method: str
    permission: str | None
    kind: Kind
    pagination: Pagination
    multipart: bool
    multipart_file_fields: tuple[str, ...]
    implemented_by: Direction
    deprecated: bool
    alias_of: str | None
    in_spec: bool
    request_schema: JSONSchema | None
    multipart_schema: JSONSchema | None
    response_schema: JSONSchema | None
    results_schema: JSONSchema | None

    @property
    def path(self) -> str:
        return f"/{self.name}"

    @property
    def is_read(self) -> bool:
        return self.kind == "read"

    @property
    def is_list(self) -> bool:
        """A list whose results are an array of records (paginated or not)."""
        schema = self.results_schema or {}
        return (self.method.startswith("list") and schema.get("type") == "array") or self.pagination != "none"

    @property
    def partner_side(self) -> bool:
        """Implemented by an assessment partner and called by Ashby: no client method."""
        return self.implemented_by == "partner"

    @property
    def request_properties(self) -> dict[str, JSONSchema]:
        return _properties(self.request_schema)

    @property
    def required_fields(self) -> tuple[str, ...]:
        """The fields every valid request carries: ``required`` at the top and inside ``allOf``
        parts, plus those every branch of an ``anyOf``/``oneOf`` requires."""
        return tuple(_required(self.request_schema))

    def enum_values(self, field: str) -> tuple[str, ...]:
        """The values a request field accepts (its ``enum``, also inside ``allOf``)."""
        schema = self.request_properties.get(field, {})
        values: list[str] = list(schema.get("enum", []))
        for part in schema.get("allOf", []):
            values.extend(part.get("enum", []))
        return tuple(values)


@dataclass(frozen=True, slots=True)
class WebhookType:
    """One webhook type Ashby sends (``action`` in the envelope)."""

    name: str
    payload_schema: JSONSchema | None
    subscribable: bool
    in_spec: bool


def _properties(schema: JSONSchema | None) -> dict[str, JSONSchema]:
    if not schema:
        return {}
    props: dict[str, JSONSchema] = dict(schema.get("properties", {}))
    for sub in schema.get("allOf", []):
        props.update(_properties(sub))
    return props


def _required(schema: JSONSchema | None) -> dict[str, None]:
    # A dict keeps the spec's order and drops repeats.
    if not schema:
        return {}
    found: dict[str, None] = dict.fromkeys(schema.get("required", ()))
    for part in schema.get("allOf", []):
        found.update(_required(part))
    for key in ("anyOf", "oneOf"):
        branches = [_required(part) for part in schema.get(key, [])]
        if branches:
            found.update({name: None for name in branches[0] if all(name in b for b in branches[1:])})
    return found


def _read(name: str) -> Any:
    return json.loads(resources.files("ashby_connector.catalog").joinpath("data", name).read_text("utf-8"))


@cache
def _operations() -> dict[str, Operation]:
    out: dict[str, Operation] = {}
    for raw in _read("operations.json"):
        raw["multipart_file_fields"] = tuple(raw["multipart_file_fields"])
        out[raw["name"]] = Operation(**raw)
    return out


@cache
def _webhooks() -> dict[str, WebhookType]:
    return {raw["name"]: WebhookType(**raw) for raw in _read("webhooks.json")}


def operations() -> list[Operation]:
    """Every operation, sorted by name (partner-side and deprecated aliases included)."""
    return list(_operations().values())


def operation(name: str) -> Operation:
    """The operation called ``name`` (``"candidate.list"``); raises ``UnknownOperationError``."""
    ops = _operations()
    try:
        return ops[name]
    except KeyError:
        raise UnknownOperationError(name, list(ops)) from None


def webhooks() -> list[WebhookType]:
    return list(_webhooks().values())


def webhook(name: str) -> WebhookType:
    hooks = _webhooks()
    try:
        return hooks[name]
    except KeyError:
        raise UnknownOperationError(name, list(hooks), what="webhook type") from None


def permissions() -> list[str]:
    """Every permission some operation needs, sorted."""
    return sorted({op.permission for op in operations() if op.permission})
