"""``report.generate`` and ``report.synchronous`` (the logic lives in delivery/reports.py)."""

from __future__ import annotations

from typing import Any

from ashby_connector.emulator.delivery.services import report_service
from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.handlers.registry import handler

# Answers go through the dispatcher's schema repair, which keeps ``reportData: null`` (the
# schema allows it through ``anyOf``) while a report is still running.


@handler("report.generate")
def generate(ctx: Ctx) -> Any:
    return report_service(ctx.state).generate(
        ctx.arg("reportId"), ctx.arg("requestId"), bool(ctx.arg("includeHeadersInData", True))
    )


@handler("report.synchronous")
def synchronous(ctx: Ctx) -> Any:
    include_headers = bool(ctx.arg("includeHeadersInData", True))
    return report_service(ctx.state).synchronous(ctx.arg("reportId"), include_headers)
