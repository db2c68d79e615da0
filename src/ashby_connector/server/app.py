"""``create_app(settings)``: the FastAPI application.

Other parts add routes through ``extensions``: callables ``(ctx, tenant_dependency) -> APIRouter``.
By default the webhooks part's ``ashby_connector.webhooks.router.server_extension`` is included
when it exists (``/webhooks/ashby/{connection_id}``, ``/subscriptions``,
``/connections/{id}/webhooks``).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi_offline import FastAPIOffline

from ashby_connector import unified
from ashby_connector.server import (
    errors,
    routes_connect,
    routes_connections,
    routes_directory,
    routes_freshness,
    routes_ops,
    routes_proxy,
    routes_resources,
    routes_syncs,
)
from ashby_connector.server.context import ServerContext
from ashby_connector.server.deps import tenant
from ashby_connector.server.limits import BodyLimit
from ashby_connector.server.settings import ServerSettings

DOCS_ASSETS_URL = "/docs-assets"
log = logging.getLogger("ashby_connector.server")

Extension = Callable[[ServerContext, Callable[..., str]], APIRouter | None]

DESCRIPTION = """Ashby data the way unified-API users expect, from your own store.

Every request carries `Authorization: Bearer <platform key>` (`ashby-connector keys create`);
requests about one connection name it with `X-Connection-Id`. Errors are
`{"error": {"code", "message", "field"}}`."""


def webhooks_extension(ctx: ServerContext, tenant_dep: Callable[..., str]) -> APIRouter | None:
    """The webhooks part's routes, if that part provides ``server_extension``."""
    try:
        module = importlib.import_module("ashby_connector.webhooks.router")
    except ImportError:
        return None
    factory: Any = getattr(module, "server_extension", None)
    return factory(ctx, tenant_dep) if callable(factory) else None


def assessments_extension(ctx: ServerContext, tenant_dep: Callable[..., str]) -> APIRouter:
    """The assessment partner flow: set-up, the partner endpoints Ashby calls, ``/assessments``."""
    from ashby_connector.server.routes_assessments import assessment_extension

    return assessment_extension(ctx, tenant_dep)


def create_app(
    settings: ServerSettings | None = None,
    *,
    context: ServerContext | None = None,
    extensions: Sequence[Extension] = (webhooks_extension, assessments_extension),
) -> FastAPI:
    settings = settings or ServerSettings()
    ctx = context or ServerContext.open(settings)
    # Said once at startup: which internal addresses tenant URLs may reach (none in production).
    policy = ctx.settings.outbound_policy()
    relaxed = policy.allow_http or bool(policy.allowlist)
    log.log(logging.WARNING if relaxed else logging.INFO, "%s", policy.describe())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> Any:
        ctx.start_background()
        yield
        ctx.stop_background()
        if context is None:  # we opened it, we close it
            ctx.close()

    # /docs and /redoc serve Swagger UI's and ReDoc's files from an installed package: no CDN, so
    # they work on a machine without internet access.
    app = FastAPIOffline(
        title="ashby-connector",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        static_url=DOCS_ASSETS_URL,
    )
    app.state.ctx = ctx
    errors.install(app)
    for router in (
        routes_connections.router,
        routes_resources.router,
        routes_proxy.router,
        routes_syncs.router,
        routes_freshness.router,
        routes_connect.router,
        routes_directory.router,
    ):
        app.include_router(router)
    for extension in extensions:
        extra = extension(ctx, tenant)
        if extra is not None:
            app.include_router(extra)
    app.add_middleware(errors.UnexpectedErrors)
    app.include_router(routes_ops.router(ctx))
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    _document_models(app)
    return app


def _document_models(app: FastAPI) -> None:
    """Put every unified model's JSON schema in the OpenAPI document (the routes are generic)."""
    base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = base()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for spec in unified.models():
            schema = spec.cls.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, sub in schema.pop("$defs", {}).items():
                schemas.setdefault(name, sub)
            schema["description"] = spec.description
            schemas[spec.name] = schema
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
