"""Writes the emulator cannot honour, answered with an honest error instead of a fake success."""

from __future__ import annotations

from typing import Any

from ashby_connector.emulator.errors import ApiError, not_found
from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.handlers.registry import Results, handler


@handler("sequence.cancel")
def cancel_sequence(ctx: Ctx) -> Any:
    # The emulated organisation has no outreach sequences, so there is nothing to cancel.
    ident = ctx.arg("sequenceId") or ctx.arg("id")
    raise ApiError("sequence_not_found", f"sequence {ident} not found (the emulator models no sequences)")


# Ashby's endpoint index lists these without a schema. The emulated organisation has none of the
# features behind them enabled, so it answers as such an organisation does: empty lists, records
# not found, and audit logs not enabled. Never a made-up record.


@handler("auditLog.list")
def list_audit_log(ctx: Ctx) -> Any:
    raise ApiError("audit_logs_not_enabled", "audit logs are not enabled for this organisation (emulator)")


@handler("sequenceTemplate.list", "takeHomeAssignment.list")
def list_unused_feature(ctx: Ctx) -> Results:
    return Results([], extra={"moreDataAvailable": False})


@handler("sequenceTemplate.info", "takeHomeAssignment.info")
def info_of_unused_feature(ctx: Ctx) -> Any:
    kind = ctx.op.module  # sequence_template_not_found / take_home_assignment_not_found
    raise not_found(kind, ctx.arg(f"{kind}Id") or ctx.arg("id"))
