"""The handler registry: one function per catalog operation, and an honest fallback for the rest.

Adding a handler (emulator-extras and anyone else)::

    # src/ashby_connector/emulator/handlers/candidate.py
    from ashby_connector.emulator.handlers.registry import handler
    from ashby_connector.emulator.handlers.context import Ctx

    @handler("candidate.create")
    def create(ctx: Ctx) -> dict:
        rec = {...}                      # shaped like kinds.record_schema("candidate")
        ctx.state.put("candidate", rec)  # bumps updatedAt + change sequence
        ctx.state.emit("candidateCreate", {"candidate": rec})  # if Ashby sends a webhook
        return rec                       # becomes {"success": true, "results": rec}

Then add the module name to ``HANDLER_MODULES`` below: ``load_handlers`` builds the table of
handlers (``HANDLERS``) from the functions those modules mark, nothing registers itself on import,
and an operation marked twice is an error. The body arrives validated against the
catalog's request schema. Raise ``errors.ApiError(code, message)`` for Ashby's error envelope.
Return a value (the ``results``), ``Results(value, warnings=[...])``, or ``RawEnvelope(bytes)``.
Lists: ``return paginate(ctx, "kind", accept=..., ids=...)`` (see handlers/pagination.py).
Operations without a handler go to ``fallback``: generic list/info over the kind's records, and
for writes a generic create/update/archive; anything else answers HTTP 501
``emulator_not_implemented`` rather than a made-up success.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from ashby_connector import catalog
from ashby_connector.emulator.errors import ApiError
from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.handlers.expand import expand
from ashby_connector.emulator.handlers.pagination import RawEnvelope, paginate
from ashby_connector.emulator.records.kinds import INFO_OP_KIND, KINDS, LIST_OP_KIND, record_schema
from ashby_connector.emulator.records.schema import Filler, properties, results_schema

Handler = Callable[[Ctx], Any]

# Operation -> handler, built by ``load_handlers`` from the modules of ``HANDLER_MODULES``.
HANDLERS: dict[str, Handler] = {}
# Where ``handler`` writes the operations a function answers.
_OPERATIONS = "ashby_operations"

# The modules of handlers, in ``handlers/``: a missing or broken one stops the emulator.
HANDLER_MODULES = [
    "reads",
    "organisation",
    "job",
    "candidate",
    "application",
    "interview",
    "offer",
    "feedback",
    "survey",
    "referral",
    "report",
    "file",
    "webhook",
    "assessment",
    "custom_field",
    "unsupported",
]


@dataclass
class Results:
    value: Any
    warnings: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def handler(*names: str) -> Callable[[Handler], Handler]:
    """Mark the decorated function as the handler of the named operations (checked against the
    catalog now); ``load_handlers`` puts it in the table when its module is in ``HANDLER_MODULES``."""
    for name in names:
        catalog.operation(name)  # raises on a typo

    def mark(fn: Handler) -> Handler:
        setattr(fn, _OPERATIONS, (*getattr(fn, _OPERATIONS, ()), *names))
        return fn

    return mark


_loaded = False


class HandlerModuleError(ImportError):
    """A module named in ``HANDLER_MODULES`` is missing or fails to import: its operations would
    silently fall through to ``fallback``, so the emulator refuses to start instead."""


def load_handlers(modules: list[str] | None = None) -> None:
    """Import every handler module of ``HANDLER_MODULES`` (once); any that is missing or broken
    raises ``HandlerModuleError`` naming it, and the next call tries again."""
    global _loaded
    if _loaded and modules is None:
        return
    table: dict[str, Handler] = {}
    for mod in HANDLER_MODULES if modules is None else modules:
        name = f"ashby_connector.emulator.handlers.{mod}"
        try:
            module = importlib.import_module(name)
        except Exception as exc:
            raise HandlerModuleError(f"emulator handler module {name} cannot be imported: {exc!r}") from exc
        for operation, fn in handlers_of(module):
            if operation in table and table[operation] is not fn:
                raise HandlerModuleError(
                    f"{operation} has two handlers: {table[operation].__module__}."
                    f"{table[operation].__qualname__} and {name}.{fn.__qualname__}"
                )
            table[operation] = fn
    HANDLERS.update(table)
    if modules is None:
        _loaded = True


def handlers_of(module: ModuleType) -> list[tuple[str, Handler]]:
    """(operation, function) for each operation a function defined in ``module`` is marked to
    handle (functions it imports from elsewhere are their own module's)."""
    found: list[tuple[str, Handler]] = []
    for value in vars(module).values():
        operations = getattr(value, _OPERATIONS, None)
        if operations and callable(value) and getattr(value, "__module__", None) == module.__name__:
            found.extend((operation, value) for operation in operations)
    return found


def dispatch(ctx: Ctx) -> Any:
    load_handlers()
    op = ctx.op
    fn = HANDLERS.get(op.name) or (HANDLERS.get(op.alias_of) if op.alias_of else None)
    if fn is None:
        fn = fallback
    result = expand(ctx, fn(ctx))
    if isinstance(result, RawEnvelope):
        return result
    if not isinstance(result, Results):
        result = Results(result)
    # Handlers answer with records shaped by the state; make sure the answer fits this
    # operation's own results schema (some operations require fields the record kind lacks).
    schema = results_schema(ctx.op)
    if schema and result.value is not None:
        result.value = ctx.state.filler.conform(schema, result.value)
    if ctx.op.is_list and isinstance(result.value, list) and "moreDataAvailable" not in result.extra:
        result.extra["moreDataAvailable"] = False
    return result


# -- fallback ----------------------------------------------------------------------------------


def kind_of_module(module: str) -> str | None:
    return module if module in KINDS else None


def generic_list(ctx: Ctx, kind: str) -> RawEnvelope:
    kd = KINDS[kind]
    state = ctx.state
    ks = state.kinds[kind]
    include_archived = bool(ctx.body.get("includeArchived") or ctx.body.get("includeArchivedPools"))
    archived = ks.archived
    filters = _equality_filters(ctx, kind)
    ranges = _time_ranges(ctx, kind)

    def accept(ident: str) -> bool:
        if not include_archived and ident in archived and "includeArchived" in ctx.op.request_properties:
            return False
        if filters or ranges:
            rec = ks.get(ident) or {}
            for name, allowed in filters.items():
                if rec.get(name) not in allowed:
                    return False
            for name, low, high in ranges:
                stamp = rec.get(name)
                if not isinstance(stamp, str) or (low and stamp < low) or (high and stamp >= high):
                    return False
        return True

    ids = None
    if kd.parent_field:
        parent = ctx.body.get(kd.parent_field)
        if parent is not None:
            ids = state.children(kind, parent)
        elif kd.parent_field in ctx.op.required_fields:
            raise ApiError("invalid_input", f"{kd.parent_field} is required", field=kd.parent_field)
    return paginate(ctx, kind, accept=accept, ids=ids)


def _equality_filters(ctx: Ctx, kind: str) -> dict[str, list[Any]]:
    """Request fields that are also record fields filter by value (a list means any of them)."""
    rec_props = properties(record_schema(kind))
    out: dict[str, list[Any]] = {}
    for name, value in ctx.body.items():
        if name in ("cursor", "syncToken", "limit", "expand") or name.startswith("include"):
            continue
        if name not in rec_props:
            continue
        if isinstance(value, str | int | bool):
            out[name] = [value]
        elif isinstance(value, list) and value and all(isinstance(v, str | int | bool) for v in value):
            out[name] = list(value)
    return out


def _time_ranges(ctx: Ctx, kind: str) -> list[tuple[str, str | None, str | None]]:
    """``createdAfter``, ``openedBefore``... (epoch ms) against the record's ``createdAt``, ``openedAt``."""
    from ashby_connector.emulator.records.state import iso_ms

    rec_props = properties(record_schema(kind))
    out: list[tuple[str, str | None, str | None]] = []
    for name, value in ctx.body.items():
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        for suffix, is_low in (("After", True), ("Before", False)):
            if name.endswith(suffix):
                field = name[: -len(suffix)] + "At"
                if field in rec_props:
                    stamp = iso_ms(value / 1000)
                    out.append((field, stamp, None) if is_low else (field, None, stamp))
    return out


def generic_info(ctx: Ctx, kind: str) -> Any:
    id_field = KINDS[kind].info_id
    if id_field is None:
        ks = ctx.state.kinds[kind]
        first = next(iter(ks.data), None)
        if first is None:
            raise ApiError(f"{kind}_not_found", f"no {kind}")
        return ctx.view(kind, first)
    ident = ctx.body.get(id_field)
    return ctx.require(kind, ident)


def fallback(ctx: Ctx) -> Any:
    op = ctx.op
    if op.name in LIST_OP_KIND:
        return generic_list(ctx, LIST_OP_KIND[op.name])
    if op.name in INFO_OP_KIND:
        return generic_info(ctx, INFO_OP_KIND[op.name])
    kind = kind_of_module(op.module)
    if op.kind == "write" and kind is not None:
        return generic_write(ctx, kind)
    raise not_modelled(ctx)


def not_modelled(ctx: Ctx) -> ApiError:
    """An operation whose effects the emulator does not model says so instead of faking success."""
    return ApiError(
        "emulator_not_implemented",
        f"the emulator does not model {ctx.op.name}; nothing was changed",
        http_status=501,
    )


def generic_write(ctx: Ctx, kind: str) -> Any:
    """create -> a new record from the body; archive/restore -> isArchived; else update by id."""
    state = ctx.state
    method = ctx.op.method
    schema = record_schema(kind)
    rec_props = properties(schema)
    id_field = KINDS[kind].info_id or f"{kind}Id"
    if method == "create":
        rec = Filler(state.rng, state.now_iso()).fill(schema, all_props=False)
        if not isinstance(rec, dict):
            raise not_modelled(ctx)
        rec.update({k: v for k, v in ctx.body.items() if k in rec_props})
        rec["id"] = state.new_id()
        for stamp in ("createdAt", "updatedAt"):
            if stamp in rec_props:
                rec[stamp] = state.now_iso()
        if "isArchived" in rec_props:
            rec["isArchived"] = False
        state.put(kind, rec)
        return rec
    ident = ctx.body.get(id_field) or ctx.body.get("id")
    if not isinstance(ident, str) or not state.exists(kind, ident):
        if ident is None:
            raise ApiError("invalid_input", f"{id_field}: is required", field=id_field)
        raise ApiError(f"{_snake(kind)}_not_found", f"{kind} {ident} not found")
    rec = ctx.require(kind, ident)
    if method in ("archive", "restore", "setArchived"):
        rec["isArchived"] = method == "archive" or bool(ctx.body.get("isArchived", method == "archive"))
    else:
        rec.update({k: v for k, v in ctx.body.items() if k in rec_props and k != "id"})
    state.put(kind, rec)
    return rec


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
