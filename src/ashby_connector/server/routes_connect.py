"""The Connect page: a one-time link where an end customer pastes their Ashby key.

The platform creates a link for one of its customers (``POST /connect-links``); the customer opens
it, pastes the key, and sees what the key can and cannot do. The link token is the only credential
on these pages: it is random, stored hashed, expires, and works once.
"""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from ashby_connector.core import access
from ashby_connector.core.errors import CoreError
from ashby_connector.server.deps import CoreDep, Tenant
from ashby_connector.store.tenancy import iso, utcnow

router = APIRouter(tags=["connect"])

# The page loads nothing from anywhere and cannot be framed; the token in its URL is not leaked.
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}


class ConnectLinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ownerId: str = Field(min_length=1, max_length=200)
    expiresInMinutes: int = Field(default=60, ge=1, le=10080)
    operations: list[str] | None = Field(
        default=None, max_length=200, description="model::action list, as on POST /connections"
    )


@router.post("/connect-links", status_code=201, summary="A one-time Connect page link for a customer")
def create_link(body: ConnectLinkCreate, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    operations = core.connections.requested_operations(body.operations)
    expires = utcnow() + timedelta(minutes=body.expiresInMinutes)
    token = core.tenancy.create_connect_link(tenant_id, body.ownerId, expires, operations)
    return {
        "url": f"/connect/{token}",
        "ownerId": body.ownerId,
        "expiresAt": iso(expires),
        "operations": operations,
    }


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = (
        "<!doctype html><html><head><meta charset='utf-8'><title>" + html.escape(title) + "</title>"
        "<style>body{font-family:sans-serif;max-width:40em;margin:3em auto;line-height:1.5}"
        "input{width:100%;padding:.5em}button{padding:.5em 1em;margin-top:1em}"
        ".no{color:#a00}.ok{color:#070}</style></head><body><h1>"
        + html.escape(title)
        + "</h1>"
        + body
        + "</body></html>"
    )
    return HTMLResponse(document, status_code=status, headers=_HEADERS)


_GONE = "<p>This link is unknown, expired or already used. Ask for a new one.</p>"


@router.get("/connect/{token}", include_in_schema=False)
def connect_form(token: str, core: CoreDep) -> HTMLResponse:
    if core.tenancy.open_connect_link(token) is None:
        return _page("Connect Ashby", _GONE, 404)
    operations = core.tenancy.connect_link_operations(token)
    asks = (
        "<p>It will be used to: " + ", ".join(f"<code>{html.escape(o)}</code>" for o in operations) + ".</p>"
        if operations
        else ""
    )
    form = (
        "<p>Paste an Ashby API key (Ashby: Admin &rarr; API Keys). It is checked with Ashby, then "
        "stored encrypted.</p>" + asks + "<form method='post'><label for='k'>Ashby API key</label>"
        "<input id='k' name='apiKey' type='password' autocomplete='off' required maxlength='500'>"
        "<button type='submit'>Connect</button></form>"
    )
    return _page("Connect Ashby", form)


@router.post("/connect/{token}", include_in_schema=False)
async def connect_submit(token: str, request: Request, core: CoreDep) -> Response:
    """The form post. A browser gets a page; a client asking for JSON (``Accept:
    application/json``) gets JSON, its errors in the one error envelope."""
    accept = request.headers.get("accept", "")
    browser = "text/html" in accept or "application/json" not in accept
    fields = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=5)
    api_key = (fields.get("apiKey") or [""])[0].strip()
    try:
        row, operations = await run_in_threadpool(core.connections.create_from_link, token, api_key)
    except CoreError as exc:
        if not browser:
            raise
        return _page("Connect Ashby", _FORM_ERRORS.get(exc.code, _GONE), exc.status)
    if not browser:
        return JSONResponse({"id": row.id, "connected": True}, status_code=201)
    body = _report(access.report(row.scopes))
    if operations:
        body += _operations(access.operations_report(operations, row.scopes))
    return _page("Ashby connected", body)


# What the page says for each refusal (the JSON answer carries the code and message).
_FORM_ERRORS = {
    "invalid_request": "<p class='no'>Paste the key, then press Connect.</p>",
    "invalid_ashby_key": "<p class='no'>Ashby did not accept this key.</p>",
    "ashby_unreachable": "<p class='no'>Ashby could not be reached to check the key. Try again.</p>",
}


def _operations(report: dict[str, Any]) -> str:
    """What the requested operations need, so the customer can fix the key's permissions now."""
    items = []
    for detail in report["details"]:
        name = html.escape(detail["operation"])
        if not detail["supported"]:
            reason = html.escape(detail["reason"])
            items.append(f"<li class='no'>{name}: not possible with Ashby ({reason})</li>")
        elif detail["missingPermissions"]:
            missing = html.escape(", ".join(detail["missingPermissions"]))
            items.append(f"<li class='no'>{name}: the key needs {missing}</li>")
        else:
            items.append(f"<li class='ok'>{name}</li>")
    return "<p>What you were asked to allow:</p><ul>" + "".join(items) + "</ul>"


def _report(report: dict[str, Any]) -> str:
    if not report["known"]:
        return (
            "<p class='ok'>Connected.</p><p>The key does not list its permissions (it lacks apiKeysRead).</p>"
        )
    items = []
    for model in report["models"]:
        read = model["actions"]["read"]
        mark = "ok" if read["allowed"] else "no"
        missing = ", ".join(read["missingPermissions"])
        note = "" if read["allowed"] else f" (needs {html.escape(missing)})"
        items.append(f"<li class='{mark}'>{html.escape(model['model'])}{note}</li>")
    return "<p class='ok'>Connected. What this key can read:</p><ul>" + "".join(items) + "</ul>"
