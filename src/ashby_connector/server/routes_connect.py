"""The Connect page: a one-time link where an end customer pastes their Ashby key.

The platform creates a link for one of its customers (``POST /connect-links``); the customer opens
it, pastes the key, and sees what the key can and cannot do. The link token is the only credential
on these pages: it is random, stored hashed, expires, and works once. The page carries the tenant's
branding (``PUT /branding``) as validated data only, escaped: no tenant HTML or script reaches it.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from ashby_connector.core.app import Core
from ashby_connector.core.connections import access
from ashby_connector.core.connections.branding import Branding
from ashby_connector.core.connections.connect_links import ConnectLink
from ashby_connector.core.connections.requested_operations import PLAIN_NOUNS, plain_words
from ashby_connector.core.errors import CoreError
from ashby_connector.server import answers as answers_
from ashby_connector.server.answers import answers
from ashby_connector.server.deps import CoreDep, Tenant

router = APIRouter(tags=["connect"])

# The page runs no script, loads images only from data: or https:, cannot be framed, and the token
# in its URL is not leaked as a referrer.
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
}
_DEFAULT = Branding()


class ConnectLinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ownerId: str = Field(min_length=1, max_length=200)
    expiresInMinutes: int = Field(default=60, ge=1, le=10080)
    operations: list[str] | None = Field(
        default=None, max_length=200, description="model::action list, as on POST /connections"
    )
    redirectUrl: str | None = Field(
        default=None,
        max_length=2000,
        description="https URL, exactly one of the allowedRedirectUrls of PUT /branding",
    )


@router.put(
    "/branding",
    summary="White-label the Connect page (product name, logo, colours, links)",
    **answers(answers_.BrandingAnswer),
)
def put_branding(body: Branding, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    return {"data": core.brandings.put(tenant_id, body)}


@router.get(
    "/branding", summary="The Connect page branding of this tenant", **answers(answers_.BrandingAnswer)
)
def get_branding(core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    return {"data": core.brandings.get(tenant_id).model_dump(exclude_none=True)}


@router.post(
    "/connect-links",
    status_code=201,
    summary="A one-time Connect page link for a customer",
    **answers(answers_.ConnectLink, 201),
)
def create_link(
    body: ConnectLinkCreate, request: Request, core: CoreDep, tenant_id: Tenant
) -> dict[str, Any]:
    """``url`` is absolute, on the address the request reached (behind a proxy, the one it
    forwards as the Host); ``path`` is the same link without scheme and host."""
    token, link = core.connect_links.create(
        tenant_id,
        body.ownerId,
        expires_in_minutes=body.expiresInMinutes,
        operations=body.operations,
        redirect_url=body.redirectUrl,
    )
    return {
        "url": str(request.base_url).rstrip("/") + f"/connect/{token}",
        "path": f"/connect/{token}",
        **link,
    }


# -- the page ----------------------------------------------------------------------------------
def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _page(brand: Branding, title: str, body: str, status: int = 200) -> HTMLResponse:
    # Colours are validated hex (#rgb/#rrggbb); every text and URL below is escaped.
    primary = brand.primaryColor or "#2f5bea"
    background = brand.backgroundColor or "#ffffff"
    text = brand.textColor or "#1a1a1a"
    logo = f"<img class='logo' src='{_e(brand.logo)}' alt=''>" if brand.logo else ""
    product = brand.productName or "this service"
    support = (
        f"<footer><a href='{_e(brand.supportUrl)}' rel='noopener noreferrer'>"
        f"Need help? Contact {_e(product)} support</a></footer>"
        if brand.supportUrl
        else ""
    )
    document = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(title)}</title><style>"
        f"body{{font-family:sans-serif;max-width:40em;margin:3em auto;padding:0 1em;line-height:1.5;"
        f"background:{background};color:{text}}}"
        "input{width:100%;padding:.5em;box-sizing:border-box}"
        f"button{{padding:.5em 1em;margin-top:1em;background:{primary};color:#fff;border:0}}"
        f"a{{color:{primary}}}.logo{{max-height:48px;max-width:200px}}"
        ".no{color:#a00}.ok{color:#070}.error{border-left:4px solid #a00;padding-left:.75em}"
        f"</style></head><body><header>{logo}<h1>{_e(title)}</h1></header><main>{body}</main>"
        f"{support}</body></html>"
    )
    return HTMLResponse(document, status_code=status, headers=_HEADERS)


_GONE = "<p>This link is unknown, expired or already used. Ask for a new one.</p>"
# A used or spent link: 409 (the documented answer), the page saying why.
_CLOSED = {
    "used": "<p>This link was already used to connect Ashby. Ask for a new one.</p>",
    "spent": "<p>Too many wrong keys were tried with this link, so it no longer works. "
    "Ask for a new one.</p>",
}


def _closed(core: Core, token: str) -> HTMLResponse:
    state = core.connect_links.state(token)
    if state in _CLOSED:
        return _page(_DEFAULT, "Connect Ashby", _CLOSED[state], 409)
    return _page(_DEFAULT, "Connect Ashby", _GONE, 404)


def _title(brand: Branding) -> str:
    return f"Connect Ashby to {brand.productName}" if brand.productName else "Connect Ashby"


def _form(brand: Branding, link: ConnectLink, error: str | None = None) -> str:
    product = brand.productName or "This service"
    asks = ""
    if link.operations is not None:
        items = "".join(f"<li>{_e(plain_words(o))}</li>" for o in link.operations)
        asks = (
            f"<p>{_e(product)} asks to use your Ashby account only to:</p><ul>{items}</ul>"
            "<p>Anything else will be refused.</p>"
        )
    alert = f"<p class='no error' role='alert'>{_e(error)}</p>" if error else ""
    return (
        alert + "<p>Paste an Ashby API key (in Ashby: Admin &rarr; API Keys). It is checked with Ashby, "
        "then stored encrypted.</p>" + asks + "<form method='post'><label for='k'>Ashby API key</label>"
        "<input id='k' name='apiKey' type='password' autocomplete='off' required maxlength='500'>"
        "<button type='submit'>Connect</button></form>"
    )


@router.get("/connect/{token}", include_in_schema=False)
def connect_form(token: str, core: CoreDep) -> HTMLResponse:
    link = core.connect_links.open(token)
    if link is None:
        return _closed(core, token)
    brand = core.brandings.get(link.tenant_id)
    return _page(brand, _title(brand), _form(brand, link))


_REFUSED = (
    "Ashby did not accept this key. Check that you copied all of it and that it is still active "
    "in Ashby (Admin \u2192 API Keys), then try again."
)
_NOT_UNDERSTOOD = "The form was not understood; paste the key again."
_UNREACHABLE = "Ashby could not be reached just now. Please try again in a minute."


# What the page says for each refusal the customer can fix (the JSON answer carries the code).
_FORM_ERRORS = {
    "invalid_request": "Paste the key, then press Connect.",
    "invalid_ashby_key": _REFUSED,
    "ashby_unreachable": _UNREACHABLE,
}


@router.post("/connect/{token}", include_in_schema=False)
async def connect_submit(token: str, request: Request, core: CoreDep) -> Response:
    """The form post. A browser gets a page; a client asking for JSON (``Accept:
    application/json``) gets JSON, its errors in the one error envelope."""
    accept = request.headers.get("accept", "")
    browser = "text/html" in accept or "application/json" not in accept
    link = core.connect_links.open(token)
    if link is None and browser:
        return _closed(core, token)
    brand = core.brandings.get(link.tenant_id) if link is not None else _DEFAULT
    title = _title(brand)
    fields = _form_fields(await request.body())
    if fields is None:
        if not browser:
            raise CoreError(400, "invalid_request", "the form was not understood", "body")
        assert link is not None
        return _page(brand, title, _form(brand, link, _NOT_UNDERSTOOD), 400)
    api_key = fields.get("apiKey", "").strip()
    try:
        row, used = await run_in_threadpool(core.connections.create_from_link, token, api_key)
    except CoreError as exc:
        message = _FORM_ERRORS.get(exc.code)
        if not browser:
            raise
        if exc.code in ("link_used", "link_spent") or core.connect_links.open(token) is None:
            return _closed(core, token)  # used meanwhile, or that wrong key spent it
        if link is None or message is None:
            return _page(brand, title, _GONE, exc.status)
        status = 503 if exc.code == "ashby_unreachable" else exc.status
        return _page(brand, title, _form(brand, link, message), status)
    if not browser:
        return JSONResponse({"id": row.id, "connected": True}, status_code=201)
    result = _report(access.report(row.scopes))
    if used.operations is not None:
        result += _operations(access.operations_report(used.operations, row.scopes))
    if used.redirect_url:
        product = brand.productName or "the application"
        result += f"<p><a class='back' href='{_e(used.redirect_url)}'>Back to {_e(product)}</a></p>"
    return _page(brand, "Ashby connected", result)


def _form_fields(body: bytes) -> dict[str, str] | None:
    """The posted form's fields, or None when it is not a form of at most 20 fields."""
    try:
        return dict(parse_qsl(body.decode("utf-8", "replace"), max_num_fields=20))
    except ValueError:
        return None


def _operations(report: dict[str, Any]) -> str:
    """What the requested operations need, in plain words, so the customer can fix the key now."""
    items = []
    for detail in report["details"]:
        name = _e(detail["description"])
        if not detail["supported"]:
            reason = _e(detail["reason"])
            items.append(f"<li class='no'>{name}: not possible with Ashby ({reason})</li>")
        elif detail["missingPermissions"]:
            missing = _e(", ".join(detail["missingPermissions"]))
            items.append(f"<li class='no'>{name}: the key needs the permission {missing}</li>")
        else:
            items.append(f"<li class='ok'>{name}</li>")
    intro = "<p>What you were asked to allow (and nothing else will be done):</p>"
    return intro + "<ul>" + "".join(items) + "</ul>"


def _report(report: dict[str, Any]) -> str:
    if not report["known"]:
        return (
            "<p class='ok'>Connected.</p><p>The key does not list its permissions (it lacks apiKeysRead).</p>"
        )
    items = []
    seen: set[str] = set()
    for model in report["models"]:
        noun = PLAIN_NOUNS.get(model["model"], model["model"])
        if noun in seen:  # several models read the same records (candidates)
            continue
        seen.add(noun)
        read = model["actions"]["read"]
        mark = "ok" if read["allowed"] else "no"
        missing = ", ".join(read["missingPermissions"])
        note = "" if read["allowed"] else f" (needs {_e(missing)})"
        items.append(f"<li class='{mark}'>{_e(noun)}{note}</li>")
    return "<p class='ok'>Connected. What this key can read:</p><ul>" + "".join(items) + "</ul>"
