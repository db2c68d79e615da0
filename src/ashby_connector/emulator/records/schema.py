"""Just enough JSON Schema for the emulator: validate request bodies and fill in example records.

The package must not need ``jsonschema`` at runtime (it is a test dependency), and the catalog only
uses a small subset of the vocabulary (type, properties, required, items, enum, allOf, oneOf, anyOf,
format, minItems, minLength), so a compact hand-written walker is enough and fast.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from typing import Any

Schema = dict[str, Any]

_RESULTS_CACHE: dict[str, Schema | None] = {}

_PY_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
    ),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


class SchemaError(ValueError):
    """The first place where a value breaks its schema; ``field`` is a dotted path."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field or 'body'}: {message}")
        self.field = field
        self.message = message


def _join(path: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    return f"{path}.{part}" if path else part


def validate(schema: Schema | None, value: Any, path: str = "") -> None:
    """Raise ``SchemaError`` naming the first offending field; unknown properties are tolerated."""
    if not schema:
        return
    for sub in schema.get("allOf", ()):
        validate(sub, value, path)
    for key in ("oneOf", "anyOf"):
        branches = schema.get(key)
        if branches:
            for sub in branches:
                try:
                    validate(sub, value, path)
                    break
                except SchemaError:
                    continue
            else:
                # Report the problem of the branch the value was meant for (the one it is
                # closest to), not the first branch's missing discriminator.
                validate(closest_branch(branches, value), value, path)
                raise SchemaError(path, f"matches none of the allowed shapes ({key})")
    typ = schema.get("type")
    if typ is not None:
        names = typ if isinstance(typ, list) else [typ]
        if not any(_PY_TYPES[n](value) for n in names if n in _PY_TYPES):
            raise SchemaError(path, f"expected {' or '.join(names)}, got {_type_name(value)}")
    enum = schema.get("enum")
    if enum is not None and value not in enum:
        raise SchemaError(path, f"must be one of {', '.join(map(str, enum))}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            raise SchemaError(path, "is too short")
        if schema.get("format") == "uuid" and not _is_uuid(value):
            raise SchemaError(path, "must be a UUID")
    if isinstance(value, dict):
        for name in schema.get("required", ()):
            if name not in value:
                raise SchemaError(_join(path, name), "is required")
        props = schema.get("properties", {})
        for name, sub in props.items():
            if name in value:
                validate(sub, value[name], _join(path, name))
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            raise SchemaError(path, f"needs at least {schema['minItems']} items")
        items = schema.get("items")
        if items:
            for i, item in enumerate(value):
                validate(items, item, _join(path, i))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _type_name(value: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _PY_TYPES[name](value):
            return name
    return type(value).__name__


def properties(schema: Schema | None) -> dict[str, Schema]:
    """All properties of an object schema, ``allOf`` parts merged."""
    if not schema:
        return {}
    props: dict[str, Schema] = dict(schema.get("properties", {}))
    for sub in schema.get("allOf", ()):
        props.update(properties(sub))
    return props


def required(schema: Schema | None) -> set[str]:
    if not schema:
        return set()
    out = set(schema.get("required", ()))
    for sub in schema.get("allOf", ()):
        out |= required(sub)
    return out


def merge_all_of(schema: Schema) -> Schema:
    """One schema with the ``allOf`` parts' properties and required lists merged."""
    parts = [schema, *[merge_all_of(p) if "allOf" in p else p for p in schema.get("allOf", ())]]
    merged: Schema = {k: v for k, v in schema.items() if k != "allOf"}
    props: dict[str, Schema] = {}
    req: list[str] = []
    for part in parts:
        for key, val in part.items():
            if key in ("properties", "required", "allOf"):
                continue
            if key == "enum" and "enum" in merged:
                both = [v for v in merged["enum"] if v in val]
                merged["enum"] = both or merged["enum"]
                continue
            merged.setdefault(key, val)
        for key, sub in part.get("properties", {}).items():
            old = props.get(key)
            if not old:
                props[key] = sub
            elif sub and sub != old:
                props[key] = {"allOf": [old, sub]}
        req.extend(r for r in part.get("required", ()) if r not in req)
    if props:
        merged["properties"] = props
        merged.setdefault("type", "object")
    if req:
        merged["required"] = req
    return merged


def _type_fits(schema: Schema, value: Any) -> bool:
    typ = schema.get("type")
    if typ is None:
        return isinstance(value, dict) and "properties" in schema
    names = typ if isinstance(typ, list) else [typ]
    return any(_PY_TYPES[n](value) for n in names if n in _PY_TYPES)


def _allows_null(schema: Schema | None) -> bool:
    """Whether ``null`` is valid here: a null type, ``nullable``, an enum with null, any branch of
    ``oneOf``/``anyOf`` that allows it, or every ``allOf`` part allowing it (``{}`` allows all)."""
    if not schema:
        return True
    if schema.get("nullable") is True:
        return True
    enum = schema.get("enum")
    if enum is not None and None not in enum:
        return False
    for key in ("oneOf", "anyOf"):
        branches = schema.get(key)
        if branches and not any(_allows_null(b) for b in branches):
            return False
    if not all(_allows_null(p) for p in schema.get("allOf", ())):
        return False
    typ = schema.get("type")
    if typ is None:
        # A bare object schema (properties without a type) does not accept null.
        return not ("properties" in schema or "required" in schema) or bool(
            schema.get("oneOf") or schema.get("anyOf")
        )
    return typ == "null" or (isinstance(typ, list) and "null" in typ)


def _fit_score(schema: Schema, value: Any) -> int:
    """How well ``value`` resembles ``schema`` (higher is closer): type, item types, known keys.

    Picks the branch of a ``oneOf``/``anyOf`` that repair should bend a value towards."""
    if "allOf" in schema:
        schema = merge_all_of(schema)
    if not _type_fits(schema, value):
        return 0
    score = 1
    if isinstance(value, list) and value and isinstance(schema.get("items"), dict):
        items = schema["items"]
        score += sum(1 for v in value[:5] if _type_fits_deep(items, v))
    elif isinstance(value, dict):
        props = properties(schema)
        score += sum(1 for k in value if k in props)
        score -= sum(1 for r in schema.get("required", ()) if r not in value)
    return max(score, 1)


def _type_fits_deep(schema: Schema, value: Any) -> bool:
    if "allOf" in schema:
        schema = merge_all_of(schema)
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            return any(_type_fits_deep(b, value) for b in schema[key])
    if schema.get("type") is None and "properties" not in schema:
        return True
    return _type_fits(schema, value)


def closest_branch(branches: list[Schema], value: Any) -> Schema:
    """The branch ``value`` is nearest to (the first one on a tie)."""
    best, best_score = branches[0], -1
    for sub in branches:
        score = _fit_score(sub, value)
        if score > best_score:
            best, best_score = sub, score
    return best


def _words(name: str) -> str:
    return name.lower()


class Filler:
    """Builds schema-valid example values, with realistic strings guessed from field names.

    Used once per record kind to build a template (records are then cheap copies with the
    identifying fields overridden) and by the honest fallback for write results.
    """

    def __init__(self, rng: random.Random, now_iso: str = "2026-01-15T09:30:00.000Z") -> None:
        self.rng = rng
        self.now_iso = now_iso

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def fill(self, schema: Schema | None, name: str = "", *, all_props: bool = True, depth: int = 0) -> Any:
        if not schema:
            return None
        if "allOf" in schema:
            schema = merge_all_of(schema)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                # The first branch that is a plain type keeps examples small and unambiguous.
                branches = schema[key]
                simple = [b for b in branches if b.get("type") in ("string", "boolean", "number")]
                return self.fill((simple or branches)[0], name, all_props=all_props, depth=depth)
        if "enum" in schema:
            return schema["enum"][0]
        typ = schema.get("type")
        if isinstance(typ, list):
            typ = next((t for t in typ if t != "null"), "null")
        if typ == "object" or (typ is None and ("properties" in schema or "required" in schema)):
            req = set(schema.get("required", ()))
            out: dict[str, Any] = {}
            props = schema.get("properties", {})
            for prop, sub in props.items():
                if prop in req or (all_props and depth < 2):
                    out[prop] = self.fill(sub, prop, all_props=all_props, depth=depth + 1)
            for prop in req - set(props):
                out[prop] = self.string({}, prop)
            return out
        if typ == "array":
            items = schema.get("items")
            n = max(schema.get("minItems", 0), 1 if items and depth < 2 else 0)
            return [self.fill(items, name, all_props=all_props, depth=depth + 1) for _ in range(n)]
        if typ == "boolean":
            return name in ("isEnabled", "isListed", "isDefaultForm")
        if typ in ("integer", "number"):
            return 1
        if typ == "null":
            return None
        if typ == "string" or typ is None:
            return self.string(schema, name)
        return None

    def conform(self, schema: Schema | None, value: Any, name: str = "") -> Any:
        """``value`` repaired to satisfy ``schema``: missing required fields filled in, nulls and
        out-of-enum values replaced. Values that already fit are returned unchanged."""
        if not schema:
            return value
        if value is None and _allows_null(schema):
            return None
        if "allOf" in schema:
            schema = merge_all_of(schema)
        for key in ("oneOf", "anyOf"):
            branches = schema.get(key)
            if branches:
                for sub in branches:
                    try:
                        validate(sub, value)
                        return value
                    except SchemaError:
                        continue
                return self.conform(closest_branch(branches, value), value, name)
        enum = schema.get("enum")
        if enum is not None and value not in enum:
            return enum[0]
        typ = schema.get("type")
        names = typ if isinstance(typ, list) else ([typ] if typ else [])
        if names and not any(_PY_TYPES[n](value) for n in names if n in _PY_TYPES):
            return self.fill(schema, name, all_props=False)
        if isinstance(value, dict) and ("properties" in schema or "required" in schema):
            props = schema.get("properties", {})
            req = set(schema.get("required", ()))
            for prop in list(value):
                sub = props.get(prop)
                if sub is None:
                    continue
                fixed = self.conform(sub, value[prop], prop)
                if fixed is None and not _allows_null(sub):
                    if prop in req:
                        value[prop] = self.fill(sub, prop, all_props=False)
                    else:
                        del value[prop]
                else:
                    value[prop] = fixed
            for prop in req:
                if prop not in value:
                    value[prop] = self.fill(props.get(prop, {}), prop, all_props=False)
        elif isinstance(value, list) and schema.get("items"):
            items = schema["items"]
            for i, item in enumerate(value):
                value[i] = self.conform(items, item, name)
        return value

    def string(self, schema: Schema, name: str) -> str:
        fmt = schema.get("format")
        if fmt == "uuid" or name == "id" or (name.endswith("Id") and fmt is None and name != "requestId"):
            return self.uuid()
        if fmt == "date-time" or name.endswith("At") or name.endswith("Date") or name.endswith("Time"):
            return self.now_iso
        if fmt == "uri" or name.lower().endswith(("url", "link")):
            return f"https://app.ashbyhq.com/emulator/{self.uuid()[:8]}"
        low = _words(name)
        if "email" in low:
            return f"person{self.rng.randrange(10**6)}@example.com"
        if "phone" in low:
            return f"+1 555 {self.rng.randrange(1000, 9999)}"
        if "html" in low:
            return "<p>Emulated content</p>"
        if low in ("name", "title", "text", "reasontext"):
            return f"Emulated {name}"
        return f"emulated-{name or 'value'}"


def _results_branches(schema: Schema | None) -> list[Schema]:
    """Every ``results`` schema a response schema allows (its ``oneOf``/``anyOf`` branches)."""
    if not schema:
        return []
    out: list[Schema] = []
    for key in ("oneOf", "anyOf"):
        for sub in schema.get(key, ()):
            out.extend(_results_branches(sub))
    results = properties(schema).get("results")
    if results:
        out.append(results)
    return out


def results_schema(op: Any) -> Schema | None:
    """The operation's results schema with every branch of the response kept.

    The catalog's ``results_schema`` holds the first success branch only; responses that differ
    by request (``hiringTeamRole.list`` with ``namesOnly: false`` answers objects, not titles)
    have several, and a value fitting any of them is valid."""
    name: str = op.name
    if name in _RESULTS_CACHE:
        return _RESULTS_CACHE[name]
    found: list[Schema] = []
    for branch in _results_branches(op.response_schema):
        if branch not in found:
            found.append(branch)
    first: Schema | None = op.results_schema
    if len(found) > 1:
        ordered = ([first] if first in found else []) + [b for b in found if b != first]
        out: Schema | None = {"anyOf": ordered}
    else:
        out = first
    _RESULTS_CACHE[name] = out
    return out
