"""The unified models' JSON schemas, as the server's OpenAPI document lists them (the resource
routes are generic, so their models are described here, not by the routes' signatures)."""

from __future__ import annotations

from typing import Any

from ashby_connector import unified


def model_schemas(ref_template: str) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Every unified model's schema under its name, and the schemas they refer to (the first
    model to define one wins)."""
    models: dict[str, dict[str, Any]] = {}
    referred: dict[str, dict[str, Any]] = {}
    for spec in unified.models():
        schema = spec.cls.model_json_schema(ref_template=ref_template)
        for name, sub in schema.pop("$defs", {}).items():
            referred.setdefault(name, sub)
        schema["description"] = spec.description
        models[spec.name] = schema
    return models, referred
