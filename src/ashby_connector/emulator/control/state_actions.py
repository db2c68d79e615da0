"""The control API's actions on the organisation's state: reset, read and write records, expire
tokens, faults, limits and keys. Listed by name in ``control/actions.py``."""

from __future__ import annotations

import time
from typing import Any

from ashby_connector import catalog
from ashby_connector.emulator.config import ApiKeyConfig, all_permissions
from ashby_connector.emulator.organisation import Emulator
from ashby_connector.emulator.records.kinds import KINDS


def _kind(args: dict[str, Any]) -> str:
    kind = args["kind"]
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    return str(kind)


def reset(emu: Emulator, args: dict[str, Any]) -> dict[str, Any]:
    """Regenerate the organisation: ``{"seed"?: int, "candidates"?: int}``."""
    emu.reset(seed=args.get("seed"), candidates=args.get("candidates"))
    return emu.describe()


def stats(emu: Emulator, args: dict[str, Any]) -> dict[str, Any]:
    return {**emu.describe(), "seq": emu.state.seq, "faults": emu.faults.counts}


def ids(emu: Emulator, args: dict[str, Any]) -> dict[str, Any]:
    """``{"kind", "limit"?: int, "offset"?: int}`` -> ids in write order."""
    ks = emu.state.kinds[_kind(args)]
    offset = int(args.get("offset", 0))
    limit = int(args.get("limit", 100))
    ids = list(ks.data)[offset : offset + limit]
    return {"ids": ids, "total": len(ks)}


def get(emu: Emulator, args: dict[str, Any]) -> dict[str, Any]:
    return {"record": emu.state.get(_kind(args), args["id"])}


def put(emu: Emulator, args: dict[str, Any]) -> dict[str, Any]:
    """Insert or replace a record: ``{"kind", "record", "confidential"?: bool, "parent"?: id}``."""
    rec = args["record"]
    if not isinstance(rec, dict):
        raise TypeError("record must be an object")
    rec.setdefault("id", emu.state.new_id())
    emu.state.put(_kind(args), rec, parent=args.get("parent"), confidential=args.get("confidential"))
    return {"record": rec}


def delete(emu: Emulator, args: dict[str, Any]) -> dict[str, Any]:
    emu.state.delete(_kind(args), args["id"])
    return {}


def mutate(emu: Emulator, args: dict[str, Any]) -> dict[str, Any]:
    """Touch records in bulk so they show up as changed: ``{"kind", "ids"?: [...], "count"?: int,
    "set"?: {field: value}}``. Without ids, the first ``count`` records in id order are touched."""
    kind = _kind(args)
    state = emu.state
    ids = args.get("ids")
    if ids is None:
        ids = list(state.kinds[kind].data)[: int(args.get("count", 1))]
    fields = args.get("set") or {}
    changed = []
    for ident in ids:
        rec = state.get(kind, ident)
        if rec is None:
            continue
        rec.update(fields)
        state.put(kind, rec)
        changed.append(ident)
    return {"changed": changed}


def expire(emu: Emulator, args: dict[str, Any]) -> dict[str, Any]:
    """Every syncToken and cursor issued so far answers ``sync_token_expired`` / ``next_cursor_expired``.

    ``{"kinds": ["candidate", "candidate.listNotes", ...]}`` expires only those streams: a record
    kind stands for its list operation, an operation name for itself; the other lists' tokens stay
    valid. Answers ``{"operations": [...]}``, the lists whose tokens expired."""
    at = time.time() + 0.001
    names = args.get("kinds")
    if names is None:
        emu.state.tokens_valid_after = at
        time.sleep(0.002)
        return {"operations": "all"}
    ops = token_operations(names)
    for op in ops:
        emu.state.op_tokens_valid_after[op] = at
    time.sleep(0.002)
    return {"operations": ops}


def token_operations(names: Any) -> list[str]:
    """The paginated list operations named by record kinds or operation names (ValueError else)."""
    if isinstance(names, str) or not isinstance(names, list) or not names:
        raise ValueError("kinds must be a non-empty list of record kinds or list operations")
    paged = {op.name: op for op in catalog.operations() if op.pagination != "none"}
    out: list[str] = []
    for name in names:
        kd = KINDS.get(name) if isinstance(name, str) else None
        op_name = kd.list_op if kd is not None else name
        if not isinstance(op_name, str) or op_name not in paged:
            raise ValueError(f"{name!r} is neither a record kind with a paginated list nor a paginated list")
        alias = paged[op_name].alias_of
        for found in (op_name, alias):
            if found and found not in out:
                out.append(found)
        out.extend(o for o, op in paged.items() if op.alias_of == op_name and o not in out)
    return out


def faults(emu: Emulator, args: dict[str, Any]) -> dict[str, Any]:
    """``{"spec": "500:0.1,..."}``; ``null`` clears."""
    emu.set_faults(args.get("spec"))
    return {"spec": emu.config.faults}


def config(emu: Emulator, args: dict[str, Any]) -> dict[str, Any]:
    """Change limits at runtime: rate_limit_per_minute, rate_limit_window_seconds,
    partner_rate_limit_per_minute, operation_rate_limits ({operation: per minute}),
    sync_token_ttl_seconds, cursor_ttl_seconds, incremental_too_large_threshold,
    report_limit_per_minute, report_concurrent_limit."""
    cfg = emu.config
    if "operation_rate_limits" in args:
        cfg.operation_rate_limits = {str(k): int(v) for k, v in dict(args["operation_rate_limits"]).items()}
        emu.set_rate_limit(cfg.rate_limit_per_minute)
    limits = ("rate_limit_per_minute", "rate_limit_window_seconds", "partner_rate_limit_per_minute")
    if any(name in args for name in limits):
        window = args.get("rate_limit_window_seconds")
        if window is not None and not (isinstance(window, int | float) and 0 < window <= 3600):
            raise ValueError("rate_limit_window_seconds must be a number of seconds in (0, 3600]")
        emu.set_rate_limit(
            args.get("rate_limit_per_minute", cfg.rate_limit_per_minute),
            window_seconds=float(window) if window is not None else None,
            partner_per_minute=args.get("partner_rate_limit_per_minute", -1),
        )
    for name in ("sync_token_ttl_seconds", "cursor_ttl_seconds", "incremental_too_large_threshold"):
        if name in args:
            setattr(cfg, name, args[name])
    if "report_limit_per_minute" in args or "report_concurrent_limit" in args:
        from ashby_connector.emulator.ratelimit import ReportLimiter

        cfg.report_limit_per_minute = int(args.get("report_limit_per_minute", cfg.report_limit_per_minute))
        cfg.report_concurrent_limit = int(args.get("report_concurrent_limit", cfg.report_concurrent_limit))
        emu.state.extras["report_limiter"] = ReportLimiter(
            cfg.report_limit_per_minute, cfg.report_concurrent_limit
        )
    return {
        name: getattr(cfg, name)
        for name in (
            "rate_limit_per_minute",
            "operation_rate_limits",
            "rate_limit_window_seconds",
            "partner_rate_limit_per_minute",
            "sync_token_ttl_seconds",
            "cursor_ttl_seconds",
            "incremental_too_large_threshold",
            "report_limit_per_minute",
            "report_concurrent_limit",
        )
    }


def keys(emu: Emulator, args: dict[str, Any]) -> dict[str, Any]:
    """Add an API key: ``{"key"?, "title"?, "permissions"?: [...], "allow_confidential"?: bool,
    "allow_private_fields"?: bool, "enabled"?: bool}``; permissions default to all."""
    perms = args.get("permissions")
    key = ApiKeyConfig(
        key=str(args.get("key") or "emu_" + emu.state.new_id().replace("-", "")),
        title=str(args.get("title", "Emulator key")),
        permissions=frozenset(perms) if perms is not None else all_permissions(),
        allow_confidential=bool(args.get("allow_confidential", True)),
        allow_private_fields=bool(args.get("allow_private_fields", True)),
        enabled=bool(args.get("enabled", True)),
        created_at=emu.state.now_iso(),
    )
    unknown = set(key.permissions) - all_permissions()
    if unknown:
        raise ValueError(f"unknown permissions: {', '.join(sorted(unknown))}")
    emu.state.add_key(key)
    return {"key": key.key, "permissions": sorted(key.permissions)}
