"""Ashby's side of the assessment API: ``assessment.addCompletedToCandidate`` and
``assessment.update`` are called by the partner. ``assessment.start``/``list``/``cancel`` and
``assessment.customField.list`` are the partner's own endpoints: Ashby never serves them."""

from __future__ import annotations

from typing import Any

from ashby_connector.emulator.delivery.assessments import assessment_service
from ashby_connector.emulator.errors import ApiError
from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.handlers.registry import handler


@handler("assessment.addCompletedToCandidate")
def add_completed(ctx: Ctx) -> dict[str, Any]:
    ctx.require("candidate", ctx.need("candidateId"))  # hidden or unknown candidates are not found
    return assessment_service(ctx.state).add_completed(ctx.body)


@handler("assessment.update")
def update(ctx: Ctx) -> dict[str, Any]:
    return assessment_service(ctx.state).update(ctx.body)


@handler("assessment.start", "assessment.cancel", "assessment.list", "assessment.customField.list")
def partner_side(ctx: Ctx) -> Any:
    raise ApiError(
        "partner_endpoint",
        f"{ctx.op.name} is implemented by the assessment partner and called by Ashby; "
        "Ashby does not serve it. "
        "Use POST /_emulator/assessments/start to make the emulator call a partner.",
        http_status=404,
    )
