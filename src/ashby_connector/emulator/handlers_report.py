"""``report.generate`` and ``report.synchronous`` (the logic lives in reports.py)."""

from __future__ import annotations

from ashby_connector.emulator.context import Ctx
from ashby_connector.emulator.extras import report_service
from ashby_connector.emulator.pagination import RawEnvelope
from ashby_connector.emulator.registry import handler
from ashby_connector.emulator.write_support import exact


@handler("report.generate")
def generate(ctx: Ctx) -> RawEnvelope:
    return exact(
        report_service(ctx.state).generate(
            ctx.arg("reportId"), ctx.arg("requestId"), bool(ctx.arg("includeHeadersInData", True))
        )
    )


@handler("report.synchronous")
def synchronous(ctx: Ctx) -> RawEnvelope:
    include_headers = bool(ctx.arg("includeHeadersInData", True))
    return exact(report_service(ctx.state).synchronous(ctx.arg("reportId"), include_headers))
