"""Custom models: a connection's own model over any Ashby list operation.

Each field is a dotted path into the Ashby record (``"primaryEmailAddress.value"``); list
indexes are numbers (``"emailAddresses.0.value"``). Custom models are read-only: writes go
through the built-in models or the proxy.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from ashby_connector import catalog


class CustomModelDef(BaseModel):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    operation: str = Field(max_length=100)
    fields: dict[str, str] = Field(min_length=1, max_length=200)

    @field_validator("operation")
    @classmethod
    def _is_list(cls, value: str) -> str:
        op = catalog.operation(value)  # raises UnknownOperationError (a KeyError) for a bad name
        if not op.is_list or op.partner_side:
            raise ValueError(f"{value} is not an Ashby list operation")
        return value

    @field_validator("fields")
    @classmethod
    def _names(cls, value: dict[str, str]) -> dict[str, str]:
        reserved = {"id", "remoteId", "createdAt", "updatedAt", "deletedAt", "customFields", "remoteData"}
        for key, path in value.items():
            if not key.isidentifier() or key in reserved:
                raise ValueError(f"field name {key!r} is not allowed")
            if not path or len(path) > 300:
                raise ValueError(f"path for {key!r} must be 1-300 characters")
        return value


def pluck(raw: Any, path: str) -> Any:
    current = raw
    for part in path.split("."):
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def read_custom(definition: CustomModelDef, raw: dict[str, Any]) -> dict[str, Any]:
    return {name: pluck(raw, path) for name, path in definition.fields.items()}
