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

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from ashby_connector.server import access
from ashby_connector.server.deps import Ctx, Tenant
from ashby_connector.server.errors import ApiError
from ashby_connector.server.repo import iso, utcnow
from ashby_connector.server.routes_connections import check_key, requested_operations

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
def create_link(body: ConnectLinkCreate, ctx: Ctx, tenant_id: Tenant) -> dict[str, Any]:
    operations = requested_operations(body.operations)
    expires = utcnow() + timedelta(minutes=body.expiresInMinutes)
    token = ctx.repo.create_connect_link(tenant_id, body.ownerId, expires, operations)
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
def connect_form(token: str, ctx: Ctx) -> HTMLResponse:
    if ctx.repo.open_connect_link(token) is None:
        return _page("Connect Ashby", _GONE, 404)
    operations = ctx.repo.connect_link_operations(token)
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
async def connect_submit(token: str, request: Request, ctx: Ctx) -> HTMLResponse:
    link = ctx.repo.open_connect_link(token)
    if link is None:
        return _page("Connect Ashby", _GONE, 404)
    fields = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=5)
    api_key = (fields.get("apiKey") or [""])[0].strip()
    if not api_key or len(api_key) > 500:
        return _page("Connect Ashby", "<p class='no'>Paste the key, then press Connect.</p>", 422)
    tenant_id, owner_id = link
    try:
        title, scopes = check_key(ctx, api_key)
    except ApiError:
        return _page("Connect Ashby", "<p class='no'>Ashby did not accept this key.</p>", 422)
    operations = ctx.repo.connect_link_operations(token)
    row = ctx.repo.create_connection(tenant_id, owner_id, ctx.box.encrypt(api_key), title, scopes, operations)
    if not ctx.repo.use_connect_link(token, row.id):
        ctx.repo.delete_connection(row.id)  # another submission won the race
        return _page("Connect Ashby", _GONE, 409)
    body = _report(access.report(scopes))
    if operations:
        body += _operations(access.operations_report(operations, scopes))
    return _page("Ashby connected", body)


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
