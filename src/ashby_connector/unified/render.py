"""Unified fields to the JSON-ready dict of a model, without building a pydantic model per record.

A read mapper's output is already typed (``readers`` checks every value it takes from Ashby), so
building ``spec.cls(**fields)`` only to ``model_dump(mode="json")`` it again cost two passes of
pydantic per record: about half of the CPU of a page of 100. ``render`` compiles, once per model
class, a checker from the class's fields that accepts a value only where pydantic would keep it
unchanged (a ``str`` for a ``str`` field, a member or value of the enum for an enum field, a
``dict`` with every required key for a nested model...) and fills the defaults of missing fields,
in the class's field order. Anything else (a value pydantic would coerce or refuse) falls back to
pydantic itself, so the answer, and the error for a value that does not fit, are exactly
pydantic's. ``tests/unit/test_unified_render.py`` compares both on every model.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Callable
from enum import Enum
from functools import cache
from typing import Any

from pydantic import BaseModel

Fields = dict[str, Any]


class _Refused(Exception):
    """A value the fast path does not reproduce exactly; pydantic decides."""


_REFUSED = _Refused()
_MISSING = object()
Check = Callable[[Any], Any]


def _any(value: Any) -> Any:
    return value  # Any: values come from decoded JSON, which pydantic's JSON mode keeps as they are


def _str(value: Any) -> Any:
    if type(value) is str:
        return value
    raise _REFUSED


def _bool(value: Any) -> Any:
    if type(value) is bool:
        return value
    raise _REFUSED


def _int(value: Any) -> Any:
    if type(value) is int:
        return value
    raise _REFUSED


def _float(value: Any) -> Any:
    if type(value) is float and math.isfinite(value):
        return value  # pydantic dumps infinities and NaN as null: it decides those
    if type(value) is int:
        return float(value)  # pydantic's lax mode widens an int, and dumps it as a float
    raise _REFUSED


def _dict(value: Any) -> Any:
    if type(value) is dict and all(type(k) is str for k in value):
        return value
    raise _REFUSED


def _enum(cls: type[Enum]) -> Check:
    members = {member.value: member.value for member in cls}

    def check(value: Any) -> Any:
        if type(value) is cls:
            return value._value_  # the attribute behind ``.value`` (a descriptor, ten times slower)
        if type(value) is str and value in members:
            return value
        raise _REFUSED

    return check


def _optional(inner: Check) -> Check:
    def check(value: Any) -> Any:
        return None if value is None else inner(value)

    check.inner = inner  # type: ignore[attr-defined]  # read by _generate to inline the check
    return check


def _list(inner: Check) -> Check:
    if inner is _any:

        def check_any(value: Any) -> Any:
            if type(value) is list:
                return value
            raise _REFUSED

        return check_any
    if inner is _str:

        def check_str(value: Any) -> Any:
            if type(value) is list and all(type(v) is str for v in value):
                return value  # as it is: nothing changes a rendered record's lists afterwards
            raise _REFUSED

        return check_str

    def check(value: Any) -> Any:
        if type(value) is list:
            return [inner(v) for v in value]
        raise _REFUSED

    return check


def _check_for(annotation: Any) -> Check:
    """The checker of one field's annotation; ``_Refused`` at build time for a type it does not know
    (the model then always goes through pydantic)."""
    if annotation is Any:
        return _any
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and len(args) == 2:
            return _optional(_check_for(rest[0]))
        raise _Refused(annotation)
    if origin is list and len(args) == 1:
        return _list(_check_for(args[0]))
    if origin is dict and args and args[0] is str and args[1] is Any:
        return _dict
    if annotation is str:
        return _str
    if annotation is bool:
        return _bool
    if annotation is int:
        return _int
    if annotation is float:
        return _float
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _enum(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        nested = _compile(annotation)
        if nested is None:
            raise _Refused(annotation)

        def check(value: Any) -> Any:
            if type(value) is dict:
                return nested(value)
            raise _REFUSED

        return check
    raise _Refused(annotation)


Fill = Callable[[Fields], Fields]


@cache
def _compile(cls: type[BaseModel]) -> Fill | None:
    """``fields`` -> the JSON-ready dict ``cls(**fields).model_dump(mode="json")`` would give, or
    ``_Refused``; None when the class has what the fast path does not reproduce (validators,
    serializers, aliases, extra fields kept)."""
    decorators = cls.__pydantic_decorators__
    if (
        decorators.validators
        or decorators.field_validators
        or decorators.root_validators
        or decorators.model_validators
        or decorators.field_serializers
        or decorators.model_serializers
        or decorators.computed_fields
        or cls.model_config.get("extra") == "allow"
    ):
        return None
    forbid = cls.model_config.get("extra") == "forbid"
    plan: list[tuple[str, Check, bool, Any, Callable[[], Any] | None]] = []
    try:
        for name, info in cls.model_fields.items():
            if info.alias or info.serialization_alias or info.exclude or info.validation_alias:
                return None
            factory = typing.cast(Callable[[], Any] | None, info.default_factory)
            constant = info.is_required() or factory is not None
            if not constant and not isinstance(info.default, str | bool | int | float | type(None)):
                return None  # a mutable or enum default: pydantic's copy and dump decide
            plan.append((name, _check_for(info.annotation), info.is_required(), info.default, factory))
    except _Refused:
        return None
    return _generate(cls.__name__, plan, frozenset(cls.model_fields) if forbid else None)


# The checks written inline in a generated ``fill`` (the common field types; a call per field
# cost as much as the check), in terms of the field's value ``v``.
_INLINE = {
    _any: "v",
    _str: "v if type(v) is str else _refuse()",
    _bool: "v if type(v) is bool else _refuse()",
}


def _refuse() -> Any:
    raise _REFUSED


def _generate(
    name: str,
    plan: list[tuple[str, Check, bool, Any, Callable[[], Any] | None]],
    forbid: frozenset[str] | None,
) -> Fill:
    """One straight-line function per model class, as ``dataclasses`` writes its ``__init__``:
    a loop over the fields with a call per check took twice as long."""
    scope: dict[str, Any] = {"_refuse": _refuse, "_REFUSED": _REFUSED, "_MISSING": _MISSING, "_names": forbid}
    lines = ["def fill(fields):"]
    if forbid is not None:
        lines.append("    if not _names.issuperset(fields): raise _REFUSED")  # pydantic names it
    lines += ["    out = {}", "    get = fields.get"]
    for at, (field, check, required, default, factory) in enumerate(plan):
        key = repr(field)
        inner = getattr(check, "inner", None)
        if check in _INLINE:
            value = _INLINE[check]
        elif inner in _INLINE and inner is not _any:
            value = f"None if v is None else ({_INLINE[inner]})"
        else:
            scope[f"_check{at}"] = check
            value = f"_check{at}(v)"
        if required:
            missing = "raise _REFUSED"  # pydantic names the missing field
        elif factory is not None:
            scope[f"_factory{at}"] = factory  # a fresh value each time, as pydantic's
            missing = f"out[{key}] = _factory{at}()"
        else:
            scope[f"_default{at}"] = default  # defaults are not validated by pydantic either
            missing = f"out[{key}] = _default{at}"
        lines += [
            f"    v = get({key}, _MISSING)",
            "    if v is _MISSING:",
            f"        {missing}",
            "    else:",
            f"        out[{key}] = {value}",
        ]
    lines.append("    return out")
    exec(compile("\n".join(lines), f"<render {name}>", "exec"), scope)  # the text is ours, built above
    fill: Fill = scope["fill"]
    return fill


def render(cls: type[BaseModel], fields: Fields) -> Fields:
    """``cls(**fields).model_dump(mode="json")``, without the model where the values allow it."""
    fill = _compile(cls)
    if fill is not None:
        try:
            return fill(fields)
        except _Refused:
            pass
    return cls(**fields).model_dump(mode="json")
