"""Proactive permission check: from a key's scopes, which operations and models it can use."""

from __future__ import annotations

from typing import Any

from ashby_connector import catalog, unified
from ashby_connector.unified.registry import Write


def _model_needs(spec: unified.ModelSpec) -> dict[str, list[str]]:
    """Per action (list/retrieve/create/update/delete), the Ashby operations it calls."""
    needs = {"read": [spec.source] + ([spec.info[0]] if spec.info else [])}
    for action in ("create", "update", "delete"):
        write = spec.write(action)
        if isinstance(write, Write):
            needs[action] = list(write.operations)
    return needs


def report(scopes: list[str] | None) -> dict[str, Any]:
    """What the key can and cannot do; ``known`` is False when Ashby did not list the scopes."""
    if scopes is None:
        return {"known": False, "missingPermissions": [], "operations": None, "models": None}
    have = set(scopes)
    allowed_ops: list[str] = []
    denied_ops: list[dict[str, str]] = []
    for op in catalog.operations():
        if op.partner_side or op.alias_of:
            continue
        if op.permission is None or op.permission in have:
            allowed_ops.append(op.name)
        else:
            denied_ops.append({"operation": op.name, "permission": op.permission})
    models: list[dict[str, Any]] = []
    for spec in unified.models():
        actions: dict[str, Any] = {}
        for action, ops in _model_needs(spec).items():
            missing = sorted({p for o in ops if (p := catalog.operation(o).permission) and p not in have})
            actions[action] = {"allowed": not missing, "missingPermissions": missing}
        models.append({"model": spec.name, "actions": actions})
    return {
        "known": True,
        "scopes": sorted(have),
        "missingPermissions": sorted({d["permission"] for d in denied_ops}),
        "operations": {"allowed": allowed_ops, "denied": denied_ops},
        "models": models,
    }
