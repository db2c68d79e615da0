"""``create_app(settings)``: the FastAPI application over one ``Core``.

The routes parse the request, call the core and render its answer; errors of every route use one
envelope (``server.errors``).
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.routing import Route

from ashby_connector.core.app import Core
from ashby_connector.core.settings import Settings
from ashby_connector.core.syncs.runs import RunQueue
from ashby_connector.server import (
    console,
    docs_pages,
    errors,
    openapi_doc,
    routes_assessments,
    routes_connect,
    routes_connections,
    routes_directory,
    routes_freshness,
    routes_ops,
    routes_proxy,
    routes_resources,
    routes_syncs,
    routes_webhooks,
)
from ashby_connector.server.limits import BodyLimit, UrlLimit

if TYPE_CHECKING:
    from ashby_connector.agents.http import McpEndpoint

log = logging.getLogger("ashby_connector.server")

DESCRIPTION = """Ashby data the way unified-API users expect, from your own store.

Every request carries `Authorization: Bearer <platform key>` (`ashby-connector keys create`);
requests about one connection name it with `X-Connection-Id`. Errors are
`{"error": {"code", "message", "field"}}`."""


def _worker_queue(core: Core) -> RunQueue:
    from ashby_connector.worker.distributed import DistributedRunner

    return DistributedRunner(core.settings.db_url, core.clients.require, key_source=core.clients.get)


def create_app(settings: Settings | None = None, *, core: Core | None = None) -> FastAPI:
    """The server; with ``core`` it serves that core (and leaves closing it to the caller)."""
    settings = core.settings if core is not None else (settings or Settings())
    owned = core is None
    app_core = core or Core.open(settings)
    # Said once at startup: which internal addresses tenant URLs may reach (none in production).
    policy = app_core.settings.outbound_policy()
    relaxed = policy.allow_http or bool(policy.allowlist)
    log.log(logging.WARNING if relaxed else logging.INFO, "%s", policy.describe())
    if app_core.syncs.queue_factory is None:
        # On PostgreSQL the scheduler queues due runs for the workers (``worker run``).
        app_core.syncs.queue_factory = lambda: _worker_queue(app_core)

    agents = _mcp_endpoint(app_core)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> Any:
        async with agents.running() if agents is not None else nullcontext():
            app_core.start()
            app_core.start_freshness()
            yield
            app_core.stop_freshness()
            app_core.stop()
            if owned:
                app_core.close()

    # /docs and /redoc serve Swagger UI's and ReDoc's files from an installed package: no CDN, so
    # they work on a machine without internet access.
    app = FastAPIOffline(
        title="ashby-connector",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        static_url=docs_pages.DOCS_ASSETS_URL,
        redoc_url=None,  # docs_pages serves it, without the CDN logo
        swagger_ui_parameters={"persistAuthorization": True},
        # operationId = the route function's name (list_connections): what generated clients call.
        generate_unique_id_function=lambda route: route.name,
    )
    app.state.core = app_core
    errors.install(app)
    for module in (
        routes_connections,
        routes_resources,
        routes_proxy,
        routes_syncs,
        routes_freshness,
        routes_connect,
        routes_webhooks,
        routes_directory,
        routes_assessments,
    ):
        app.include_router(module.router)
    if agents is not None:
        # A route, not a mount: ``/mcp`` itself answers (no redirect to ``/mcp/``).
        app.router.routes.append(Route("/mcp", agents, methods=["GET", "POST", "DELETE"]))
        app.state.mcp = agents
    app.add_middleware(errors.UnexpectedErrors)
    app.include_router(routes_ops.router(app_core))
    console.install(app, app_core)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(UrlLimit)  # added last: runs first
    openapi_doc.install(app)
    docs_pages.install_redoc(app)
    return app


def _mcp_endpoint(core: Core) -> McpEndpoint | None:
    """The agents' endpoint, when the MCP SDK is installed (the ``server`` extra brings it)."""
    try:
        from ashby_connector.agents.http import McpEndpoint
    except ImportError:
        log.info("MCP SDK not installed: no /mcp endpoint (pip install 'ashby-connector[server]')")
        return None
    return McpEndpoint(core, writes=core.settings.mcp_writes)
