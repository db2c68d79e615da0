"""Proactive permission check: from a key's scopes, which operations and models it can use."""

from __future__ import annotations

from typing import Any

from ashby_connector import catalog, unified
from ashby_connector.core.connections.requested_operations import (
    ACTIONS,
    WEBHOOKS,
    ashby_operations,
    plain_words,
)
from ashby_connector.unified.registry import Write


def _model_needs(spec: unified.ModelSpec) -> dict[str, list[str]]:
    """Per action (list/retrieve/create/update/delete), the Ashby operations it calls."""
    needs = {"read": [part.source for part in spec.parts()] + ([spec.info[0]] if spec.info else [])}
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
        if spec.read_unavailable is not None:
            continue  # no key can read it (EEOC answers): nothing to say about this key
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


# -- requested operations (Morph's ``model::action``) -------------------------------------------
def check_entry(entry: str) -> None:
    """A requested-operation entry: ``model::action`` or ``WEBHOOKS``; ValueError naming the fault."""
    if entry != WEBHOOKS:
        parse_operation(entry)


def parse_operation(entry: str) -> tuple[unified.ModelSpec, str]:
    """``genericContact::list`` -> (model spec, action); ValueError naming what is wrong."""
    model, sep, action = entry.partition("::")
    if not sep:
        raise ValueError(f"{entry[:100]!r} is not of the form model::action")
    spec = unified.MODELS.get(model)
    if spec is None:
        raise ValueError(f"{entry[:100]!r}: no unified model {model[:64]!r}")
    if action not in ACTIONS:
        raise ValueError(f"{entry[:100]!r}: action {action[:32]!r} is not one of {', '.join(ACTIONS)}")
    return spec, action


def _operation_needs(entry: str) -> list[str] | unified.NotSupported:
    """The Ashby operations behind one entry (list and retrieve read the synced store)."""
    if entry == WEBHOOKS:
        return ashby_operations(*entry.split("::"))
    spec, action = parse_operation(entry)
    write = spec.write(action) if action in ("create", "update", "delete") else spec.read_unavailable
    if isinstance(write, unified.NotSupported):
        return write
    return ashby_operations(spec.name, action)


def operations_report(requested: list[str], scopes: list[str] | None) -> dict[str, Any]:
    """Per requested operation: supported by Ashby at all, allowed for the key, what it lacks.

    ``status`` sums it up: ``insufficient_permissions`` (some supported operation lacks a
    permission), ``not_supported`` (the key covers the rest, but Ashby's API cannot do one),
    ``unknown`` (the key does not tell its scopes) or ``ready``.
    """
    have = set(scopes or ())
    details: list[dict[str, Any]] = []
    for entry in requested:
        needs = _operation_needs(entry)
        if isinstance(needs, unified.NotSupported):
            details.append(
                {
                    "operation": entry,
                    "description": plain_words(entry),
                    "supported": False,
                    "allowed": False,
                    "ashbyOperations": [],
                    "permissions": [],
                    "missingPermissions": [],
                    "reason": needs.reason,
                }
            )
            continue
        permissions = sorted({p for o in needs if (p := catalog.operation(o).permission)})
        missing = [p for p in permissions if p not in have] if scopes is not None else []
        details.append(
            {
                "operation": entry,
                "description": plain_words(entry),
                "supported": True,
                "allowed": None if scopes is None else not missing,
                "ashbyOperations": needs,
                "permissions": permissions,
                "missingPermissions": missing,
                "reason": None,
            }
        )
    supported = [d for d in details if d["supported"]]
    if any(d["missingPermissions"] for d in supported):
        status = "insufficient_permissions"
    elif len(supported) < len(details):
        status = "not_supported"
    elif scopes is None and details:
        status = "unknown"
    else:
        status = "ready"
    allowed_words = [plain_words(entry) for entry in requested]
    return {
        "requested": list(requested),
        # What is enforced, in the words the customer was shown on the Connect page.
        "enforced": True,
        "summary": (
            "This connection may only " + "; ".join(allowed_words) + ". Anything else is refused."
            if allowed_words
            else "This connection may not read or change anything."
        ),
        "status": status,
        "missingPermissions": sorted({p for d in details for p in d["missingPermissions"]}),
        "details": details,
    }
