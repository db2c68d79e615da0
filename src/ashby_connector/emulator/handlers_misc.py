"""Writes the emulator cannot honour, answered with an honest error instead of a fake success."""

from __future__ import annotations

from typing import Any

from ashby_connector.emulator.context import Ctx
from ashby_connector.emulator.errors import ApiError
from ashby_connector.emulator.registry import handler


@handler("sequence.cancel")
def cancel_sequence(ctx: Ctx) -> Any:
    # The emulated organisation has no outreach sequences, so there is nothing to cancel.
    ident = ctx.arg("sequenceId") or ctx.arg("id")
    raise ApiError("sequence_not_found", f"sequence {ident} not found (the emulator models no sequences)")
