"""A connection's field mappings (Ashby custom fields onto unified fields) and custom models (any
Ashby list as a model of its own): the checks their settings go through before they are stored.
Every refusal is a ``CoreError`` naming the field."""

from __future__ import annotations

from typing import Any

from ashby_connector import unified
from ashby_connector.core.errors import CoreError
from ashby_connector.store.tenancy import Tenancy
from ashby_connector.unified.custom import CustomModelDef
from ashby_connector.unified.fieldmap import FieldMapEntry

__all__ = ["FieldMapEntry", "Mappings", "check_mappable", "custom_model", "field_mapping"]


def check_mappable(model: str) -> None:
    """404 for a model that does not exist, 422 for one whose Ashby object has no custom fields."""
    spec = unified.MODELS.get(model)
    if spec is None:
        raise CoreError(404, "unknown_model", f"no unified model {model!r}", "model")
    if spec.custom_field_object is None:
        raise CoreError(422, "no_custom_fields", f"Ashby has no custom fields for {model}", "model")


def field_mapping(entries: list[FieldMapEntry]) -> list[dict[str, Any]]:
    """The entries as stored; each unified field may be mapped once."""
    names = [e.unifiedField for e in entries]
    if len(set(names)) != len(names):
        raise CoreError(422, "invalid_request", "each unifiedField may appear once", "entries")
    return [e.model_dump(exclude_none=True) for e in entries]


def custom_model(name: str, operation: str, fields: dict[str, str]) -> dict[str, Any]:
    """The custom model's definition as stored: a name no built-in model has, an Ashby list
    operation, field names that are identifiers with their dotted paths."""
    if name in unified.MODELS:
        raise CoreError(409, "name_taken", f"{name} is a built-in model", "name")
    try:
        definition = CustomModelDef(name=name, operation=operation, fields=fields)
    except KeyError as exc:  # the catalog's UnknownOperationError
        raise CoreError(422, "unknown_operation", str(exc), "operation") from None
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise CoreError(422, "invalid_request", str(exc).splitlines()[-1].strip(), "fields") from None
    return definition.model_dump()


class Mappings:
    """A connection's field mappings and custom models, checked and stored (the connection is the
    caller's: ``Connections.get`` found it for the tenant)."""

    def __init__(self, tenancy: Tenancy) -> None:
        self.tenancy = tenancy

    def field_mapping(self, connection_id: str, model: str) -> list[dict[str, Any]]:
        check_mappable(model)
        return self.tenancy.get_field_mapping(connection_id, model)

    def set_field_mapping(
        self, connection_id: str, model: str, entries: list[FieldMapEntry]
    ) -> list[dict[str, Any]]:
        """Replace the model's mapping; returns the entries as stored."""
        check_mappable(model)
        stored = field_mapping(entries)
        self.tenancy.set_field_mapping(connection_id, model, stored)
        return stored

    def custom_models(self, connection_id: str) -> list[dict[str, Any]]:
        return self.tenancy.list_custom_models(connection_id)

    def set_custom_model(
        self, connection_id: str, name: str, operation: str, fields: dict[str, str]
    ) -> dict[str, Any]:
        """Declare (or replace) a custom model; returns its definition as stored."""
        definition = custom_model(name, operation, fields)
        self.tenancy.set_custom_model(connection_id, name, definition)
        return definition

    def delete_custom_model(self, connection_id: str, name: str) -> None:
        if not self.tenancy.delete_custom_model(connection_id, name):
            raise CoreError(404, "unknown_model", f"no custom model {name!r}", "name")
