"""``/console``: the operator console's pages and forms.

Every page is rendered on the server from what the core computes for the REST API (connection
health, sync status, run history, schedules, child policies, event deliveries); forms post back
here with the session's CSRF token and answer with the page again (a bad value: its message next
to the field, what was typed kept, nothing stored) or a redirect. ``static/console.js`` refreshes
the regions marked ``data-live`` every few seconds and sends forms marked ``data-inline`` without
leaving the page; every page works without it.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from ashby_connector.core.app import Core
from ashby_connector.core.connections import access
from ashby_connector.core.connections.branding import Branding
from ashby_connector.core.errors import CoreError
from ashby_connector.core.freshness import health as connection_health
from ashby_connector.core.freshness.schedules import ScheduleError
from ashby_connector.core.syncs.modes import Mode, Trigger
from ashby_connector.server.console.session import Session, Sessions, csrf_ok

HERE = Path(__file__).parent
PAGE_SIZE = 50
RUNS_SHOWN = 25
EVENTS_SHOWN = 200
MAX_KEY = 200
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Only this server's script and styles; inline style attributes carry the tenant's validated
    # colours. Images: the tenant's logo (data: or https:).
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: https:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
}
FLASHES = {
    "schedule": "Schedule saved.",
    "paused": "Scheduled syncs paused.",
    "resumed": "Scheduled syncs resumed.",
    "sync": "Sync started.",
    "replayed": "The event is queued again.",
    "signed-out": "You are signed out.",
}


def _ago(value: str | None) -> str:
    """An ISO time as "3 min ago" / "in 2 h" (the title attribute keeps the exact time)."""
    if not value:
        return "never"
    seconds = (datetime.fromisoformat(value) - datetime.now(UTC)).total_seconds()
    return f"in {_span(seconds)}" if seconds > 0 else f"{_span(-seconds)} ago"


def _span(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{int(seconds)} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _duration(run: dict[str, Any]) -> str:
    start, end = run.get("startedAt"), run.get("finishedAt")
    if not start:
        return "-"
    finished = datetime.fromisoformat(end) if end else datetime.now(UTC)
    return _span((finished - datetime.fromisoformat(start)).total_seconds())


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ago"] = _ago
    env.filters["span"] = _span
    env.filters["duration"] = _duration
    env.filters["number"] = lambda value: f"{value:g}"
    return env


def _event_id(text: str) -> int | None:
    """An event id from a URL path, or None when it is not a number."""
    try:
        return int(text)
    except ValueError:
        return None


class Console:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.sessions = Sessions(core.box.derive("console-session"))
        self.env = _environment()

    # -- rendering -------------------------------------------------------------------------------
    def page(
        self, request: Request, template: str, session: Session, *, code: int = 200, **context: Any
    ) -> HTMLResponse:
        tenant_name = self.core.connections.tenant_name(session.tenant_id) if session.signed_in else None
        brand = self.core.brandings.get(session.tenant_id) if session.signed_in else Branding()
        flash = FLASHES.get(request.query_params.get("done", ""))
        html = self.env.get_template(template).render(
            csrf=session.csrf,
            tenant_name=tenant_name,
            brand=brand,
            flash=flash,
            **context,
        )
        response = HTMLResponse(html, status_code=code, headers=HEADERS)
        self.sessions.write(response, session, request)
        return response

    def fragment(self, template: str, **context: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(**context)
        return HTMLResponse(html, headers=HEADERS)

    # -- sessions --------------------------------------------------------------------------------
    def signed_in(self, request: Request) -> Session | None:
        session = self.sessions.read(request)
        if session is None or not session.signed_in:
            return None
        if self.core.connections.tenant_name(session.tenant_id) is None:
            return None  # the platform key was revoked since
        return session

    def to_sign_in(self, request: Request) -> Response:
        if request.headers.get("X-Console-Inline"):
            return HTMLResponse("Your session ended: sign in again.", status_code=401, headers=HEADERS)
        return RedirectResponse("/console/sign-in", status_code=303, headers=HEADERS)

    def refused(self, request: Request, session: Session | None) -> HTMLResponse:
        """A form without the session's CSRF token: nothing was changed."""
        return self.page(
            request,
            "error.html",
            session or self.sessions.new(),
            code=403,
            title="This form was refused",
            message="The form's security token is missing or out of date, so nothing was changed. "
            "Reload the page and try again.",
        )

    def not_found(self, request: Request, session: Session, what: str) -> HTMLResponse:
        return self.page(
            request,
            "error.html",
            session,
            code=404,
            title=f"No such {what}",
            message=f"There is no {what} with this id among yours.",
        )

    # -- data (the core's, as the REST API shows it) ---------------------------------------------
    def connections(self, tenant_id: str, state: str | None, owner: str | None, page: int) -> dict[str, Any]:
        rows = self.core.connections.for_tenant(tenant_id)
        if owner:
            # The owner search needs no health: only the matching connections are judged.
            wanted = owner.casefold()
            rows = [r for r in rows if wanted in r.owner_id.casefold()]
        every = self.core.health.overviews(rows, records=False)
        counts = {s: 0 for s in connection_health.STATES}
        for o in every:
            counts[o.health.state] += 1
        shown = connection_health.select(every, state=state)
        pages = max(1, math.ceil(len(shown) / PAGE_SIZE))
        page = min(page, pages)
        query = {k: v for k, v in (("health", state), ("owner", owner)) if v}
        # Records are counted for the page shown only: counting reads every record table.
        counted = self.core.health.count_records(shown[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
        return {
            "overviews": [
                {"id": o.id, "ownerId": o.owner_id, "keyTitle": o.key_title} | o.to_api() for o in counted
            ],
            "total": len(every),
            "matching": len(shown),
            "counts": counts,
            "states": connection_health.LABELS,
            "state": state or "",
            "owner": owner or "",
            "page": page,
            "pages": pages,
            "query": query,
            "live_url": "/console/live/connections?" + urlencode({**query, "page": page}),
            "page_url": lambda n: "/console?" + urlencode({**query, "page": n}),
        }

    def connection(self, tenant_id: str, connection_id: str) -> dict[str, Any]:
        core = self.core
        row = core.connections.get(tenant_id, connection_id)
        status = core.freshness.status.connection(row.id)
        return {
            "conn": {"id": row.id, "ownerId": row.owner_id, "keyTitle": row.key_title},
            **self.live(row.id, status=status, row=row),
            "schedule": core.freshness.schedules.get(row.id).to_api(
                fast_lane_active=core.freshness.fast_lane_active(row.id)
            ),
            "policies": core.child_policies.to_api(row.id),
            "operations": (
                access.operations_report(row.operations, row.scopes) if row.operations is not None else None
            ),
            "webhooks": [s.to_api() for s in core.ashby_webhooks.settings(row.id)],
            "received": core.deliveries.inbound(row.id, limit=10),
            "assessments": core.tenant_assessments.of_partner(row.id, limit=20),
        }

    def live(
        self, connection_id: str, *, status: dict[str, Any] | None = None, row: Any = None
    ) -> dict[str, Any]:
        """What the connection page refreshes while open: health, streams, runs."""
        core = self.core
        if row is None:
            row = core.connections.find(connection_id)
        status = status or core.freshness.status.connection(connection_id)
        runs = core.syncs.history.page([connection_id], limit=RUNS_SHOWN).runs
        return {
            "overview": core.health.overview(row).to_api(),
            "status": status,
            "runs": [r.to_api(with_report=False) for r in runs],
        }

    def subscriptions(self, tenant_id: str) -> dict[str, Any]:
        subs = self.core.subscriptions.all(tenant_id)
        events = self.core.deliveries.events_of(subs, limit=EVENTS_SHOWN)
        return {"subscriptions": [{**s.to_api(), "deliveries": events[s.id]} for s in subs]}


def router(core: Core) -> APIRouter:
    console = Console(core)
    r = APIRouter(include_in_schema=False)

    def guarded(
        handler: Callable[[Request, Session], Awaitable[Response]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            session = await run_in_threadpool(console.signed_in, request)
            if session is None:
                return console.to_sign_in(request)
            try:
                return await handler(request, session)
            except CoreError as exc:
                if exc.status == 404:
                    what = (
                        "subscription" if "subscription" in exc.code or "event" in exc.code else "connection"
                    )
                    return await run_in_threadpool(console.not_found, request, session, what)
                raise

        return run

    async def checked_form(request: Request, session: Session) -> dict[str, Any] | None:
        form = await request.form()
        data: dict[str, Any] = {k: form.getlist(k) if k == "streams" else form.get(k) for k in form}
        return data if csrf_ok(session, data.get("csrf")) else None

    # -- signing in and out ----------------------------------------------------------------------
    @r.get("/")
    def root(request: Request) -> Response:
        """Browsers asking for the root land on the console; programs get the usual 404."""
        if "text/html" in request.headers.get("accept", ""):
            return RedirectResponse("/console", status_code=303)
        raise HTTPException(404, "Not Found")

    @r.get("/console/sign-in")
    def sign_in_page(request: Request) -> Response:
        if console.signed_in(request) is not None:
            return RedirectResponse("/console", status_code=303, headers=HEADERS)
        session = console.sessions.read(request) or console.sessions.new()
        return console.page(request, "sign_in.html", session)

    @r.post("/console/sign-in")
    async def sign_in(request: Request) -> Response:
        session = console.sessions.read(request)
        form = await request.form()
        if not csrf_ok(session, form.get("csrf")):
            return await run_in_threadpool(console.refused, request, session)
        assert session is not None
        key = form.get("key")
        key = key.strip() if isinstance(key, str) else ""
        tenant_id = None
        if key and len(key) <= MAX_KEY:
            tenant_id = await run_in_threadpool(core.connections.tenant_of_key, key)
        if tenant_id is None:
            # The key is never shown back: the field comes back empty.
            message = "Enter your platform key." if not key else "This platform key is unknown or revoked."
            return await run_in_threadpool(
                lambda: console.page(request, "sign_in.html", session, code=422, error=message)
            )
        response = RedirectResponse("/console", status_code=303, headers=HEADERS)
        console.sessions.write(response, console.sessions.new(tenant_id), request)  # a fresh token
        return response

    async def _sign_out(request: Request, session: Session) -> Response:
        if await checked_form(request, session) is None:
            return await run_in_threadpool(console.refused, request, session)
        response = RedirectResponse("/console/sign-in?done=signed-out", status_code=303, headers=HEADERS)
        console.sessions.clear(response, request)
        return response

    r.add_api_route("/console/sign-out", guarded(_sign_out), methods=["POST"])

    # -- connections -----------------------------------------------------------------------------
    def _list_args(request: Request) -> tuple[str | None, str | None, int]:
        state = request.query_params.get("health") or None
        if state not in connection_health.STATES:
            state = None
        owner = (request.query_params.get("owner") or "").strip()[:200] or None
        try:
            page = max(1, int(request.query_params.get("page", "1")))
        except ValueError:
            page = 1
        return state, owner, page

    async def _connections(request: Request, session: Session) -> Response:
        data = await run_in_threadpool(console.connections, session.tenant_id, *_list_args(request))
        return await run_in_threadpool(lambda: console.page(request, "connections.html", session, **data))

    async def _connections_live(request: Request, session: Session) -> Response:
        data = await run_in_threadpool(console.connections, session.tenant_id, *_list_args(request))
        return console.fragment("_connection_rows.html", **data)

    r.add_api_route("/console", guarded(_connections), methods=["GET"])
    r.add_api_route("/console/live/connections", guarded(_connections_live), methods=["GET"])

    async def _connection(request: Request, session: Session, **extra: Any) -> Response:
        connection_id = request.path_params["connection_id"]
        data = await run_in_threadpool(console.connection, session.tenant_id, connection_id)
        code = extra.pop("code", 200)
        return await run_in_threadpool(
            lambda: console.page(request, "connection.html", session, code=code, **data, **extra)
        )

    async def _connection_live(request: Request, session: Session) -> Response:
        row = await run_in_threadpool(
            core.connections.get, session.tenant_id, request.path_params["connection_id"]
        )
        data = await run_in_threadpool(console.live, row.id, row=row)
        return console.fragment("_connection_live.html", conn={"id": row.id}, **data)

    r.add_api_route("/console/connections/{connection_id}", guarded(_connection), methods=["GET"])
    r.add_api_route("/console/connections/{connection_id}/live", guarded(_connection_live), methods=["GET"])

    def _back(connection_id: str, done: str) -> Response:
        return RedirectResponse(f"/console/connections/{connection_id}?done={done}", status_code=303)

    async def _schedule(request: Request, session: Session) -> Response:
        form = await checked_form(request, session)
        if form is None:
            return await run_in_threadpool(console.refused, request, session)
        row = await run_in_threadpool(
            core.connections.get, session.tenant_id, request.path_params["connection_id"]
        )
        action = form.get("action")
        if action in ("pause", "resume"):
            await run_in_threadpool(lambda: core.freshness.schedules.put(row.id, paused=action == "pause"))
            return _back(row.id, "paused" if action == "pause" else "resumed")
        typed = str(form.get("every") or "").strip()[:40]
        error = None
        try:
            minutes = float(typed)
            if not math.isfinite(minutes):
                raise ValueError
        except ValueError:
            error = "Enter a number of minutes, such as 15."
        if error is None:
            try:
                await run_in_threadpool(
                    lambda: core.freshness.schedules.put(row.id, incremental_every_minutes=minutes)
                )
            except ScheduleError as exc:
                # The API's field name means nothing next to this form's field.
                error = str(exc).replace(exc.field or "", "The interval", 1)
        if error is not None:
            return await _connection(request, session, code=422, every_error=error, every_typed=typed)
        return _back(row.id, "schedule")

    async def _sync(request: Request, session: Session) -> Response:
        form = await checked_form(request, session)
        inline = bool(request.headers.get("X-Console-Inline"))
        if form is None:
            if inline:
                return HTMLResponse(
                    "Refused: the form's security token is out of date. Reload the page.",
                    status_code=403,
                    headers=HEADERS,
                )
            return await run_in_threadpool(console.refused, request, session)
        row = await run_in_threadpool(
            core.connections.get, session.tenant_id, request.path_params["connection_id"]
        )
        streams = [s for s in form.get("streams") or [] if isinstance(s, str) and s] or None
        mode = Mode.FULL if form.get("mode") == "full" else Mode.INCREMENTAL
        try:
            run = await run_in_threadpool(
                lambda: core.syncs.start(row.id, mode=mode, streams=streams, trigger=Trigger.CONSOLE)
            )
        except CoreError as exc:
            if exc.status == 404:
                raise
            if inline:
                return HTMLResponse(exc.message, status_code=exc.status, headers=HEADERS)
            return await _connection(request, session, code=exc.status, sync_error=exc.message)
        if inline:
            what = "Force resync" if mode.full else "Sync"
            return HTMLResponse(f"{what} started ({run['id']}).", status_code=202, headers=HEADERS)
        return _back(row.id, "sync")

    r.add_api_route("/console/connections/{connection_id}/schedule", guarded(_schedule), methods=["POST"])
    r.add_api_route("/console/connections/{connection_id}/sync", guarded(_sync), methods=["POST"])

    # -- event subscriptions ---------------------------------------------------------------------
    async def _subscriptions(request: Request, session: Session) -> Response:
        data = await run_in_threadpool(console.subscriptions, session.tenant_id)
        return await run_in_threadpool(lambda: console.page(request, "subscriptions.html", session, **data))

    async def _replay(request: Request, session: Session) -> Response:
        form = await checked_form(request, session)
        if form is None:
            return await run_in_threadpool(console.refused, request, session)
        event_id = _event_id(request.path_params["event_id"])
        if event_id is None:
            raise CoreError(404, "event_not_failed", "no failed event with this id")
        subscription_id = request.path_params["subscription_id"]
        await run_in_threadpool(core.deliveries.replay, session.tenant_id, subscription_id, event_id)
        return RedirectResponse("/console/subscriptions?done=replayed", status_code=303)

    r.add_api_route("/console/subscriptions", guarded(_subscriptions), methods=["GET"])
    r.add_api_route(
        "/console/subscriptions/{subscription_id}/events/{event_id}/replay",
        guarded(_replay),
        methods=["POST"],
    )
    return r
