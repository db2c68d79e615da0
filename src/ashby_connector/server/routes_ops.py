"""Operations: ``/healthz`` (the process answers), ``/readyz`` (it can do its work), ``/metrics``.

``/metrics`` is served here only with ``metrics_token`` set (callers send it as a bearer token);
with ``metrics_port`` set it is served on that port instead (``serve --metrics-port``), and with
neither it is not served at all: metrics name connections and must not be public.
"""

from __future__ import annotations

import hmac
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse

from ashby_connector.core.app import Core
from ashby_connector.core.errors import CoreError
from ashby_connector.core.freshness.schedules import any_scheduler_alive
from ashby_connector.core.runtime import metrics


def readiness(core: Core) -> tuple[bool, dict[str, Any]]:
    """Database reachable, migrations current, a scheduler alive (this one, or another process's)."""
    checks: dict[str, Any] = {}
    try:
        with core.store.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
        return False, checks
    checks["migrations"] = "ok" if migrations_current(core) else "behind: restart to migrate"
    fresh = core.freshness
    if fresh.scheduler is not None:
        checks["scheduler"] = "ok" if fresh.alive() else "not running"
    else:
        checks["scheduler"] = "ok (another process)" if any_scheduler_alive(core.store) else "none alive"
    ready = all(str(v).startswith("ok") for v in checks.values())
    return ready, checks


def migrations_current(core: Core) -> bool:
    from alembic.script import ScriptDirectory

    from ashby_connector.store.engine import alembic_config

    with core.store.engine.connect() as conn:
        heads = set(ScriptDirectory.from_config(alembic_config(conn)).get_heads())
        current = set(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    return heads == current


def router(core: Core) -> APIRouter:
    r = APIRouter(tags=["operations"])

    @r.get("/healthz", summary="The process is alive", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @r.get(
        "/readyz", summary="Database reachable, migrations current, scheduler alive", include_in_schema=False
    )
    def readyz() -> JSONResponse:
        ready, checks = readiness(core)
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
