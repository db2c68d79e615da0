"""Operations: ``/healthz`` (the process answers), ``/readyz`` (it can do its work), ``/metrics``.

``/metrics`` is served here only with ``metrics_token`` set (callers send it as a bearer token);
with ``metrics_port`` set it is served on that port instead (``serve --metrics-port``), and with
neither it is not served at all: metrics name connections and must not be public.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse

from ashby_connector.core.app import Core
from ashby_connector.core.errors import CoreError
from ashby_connector.core.runtime import metrics


def router(core: Core) -> APIRouter:
    r = APIRouter(tags=["operations"])

    @r.get("/healthz", summary="The process is alive", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @r.get(
        "/readyz", summary="Database reachable, migrations current, scheduler alive", include_in_schema=False
    )
    def readyz() -> JSONResponse:
        ready, checks = core.readiness.check()
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503
        )

    token = core.settings.metrics_token
    if token and core.settings.metrics_port is None:

        @r.get("/metrics", summary="Prometheus metrics (bearer metrics token)", include_in_schema=False)
        def metrics_endpoint(authorization: str | None = Header(None)) -> Response:
            given = (authorization or "").partition(" ")[2].strip()
            if not hmac.compare_digest(given.encode(), token.encode()):
                raise CoreError(
                    401, "invalid_metrics_token", "send the metrics token as a bearer token", "Authorization"
                )
            return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)

    return r
