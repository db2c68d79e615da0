"""A tenant's white label for the Connect page: product name, logo, colours, support link, and
where a customer may be sent back to.

Everything here is data, validated strictly, and rendered by the page with escaping: no tenant
HTML, CSS or script ever reaches the page. Colours are hex, the logo a raster image as a ``data:``
URL or an ``https`` URL (SVG can carry script, so it is refused), links ``https`` (support may be
``mailto:``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ashby_connector.core.errors import CoreError
from ashby_connector.store.tenant_branding import BrandingTable

MAX_LOGO_BYTES = 200_000
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_DATA_IMAGE = re.compile(r"^data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}$")
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")


def _https(value: str, field: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"{field} must be an https:// URL")
    if parts.username or parts.password:
        raise ValueError(f"{field} must not carry a user name or password")
    if any(c in value for c in "\"'<> \t\r\n\\"):
        raise ValueError(f"{field} contains characters a URL cannot have unescaped")
    return value


def _colour(value: str) -> str:
    if not _HEX.match(value):
        raise ValueError("a colour is hex: #rgb or #rrggbb")
    return value.lower()


def _logo(value: str) -> str:
    if value.startswith("data:"):
        if not _DATA_IMAGE.match(value):
            raise ValueError("logo: a data URL must be base64 PNG, JPEG, GIF or WebP (no SVG)")
        if len(value) * 3 // 4 > MAX_LOGO_BYTES:
            raise ValueError(f"logo: at most {MAX_LOGO_BYTES} bytes")
        return value
    return _https(value, "logo")


def _support(value: str) -> str:
    if value.startswith("mailto:"):
        if not _EMAIL.match(value.removeprefix("mailto:")):
            raise ValueError("supportUrl: mailto: needs one e-mail address")
        return value
    return _https(value, "supportUrl")


def _redirect(value: str) -> str:
    return _https(value, "allowedRedirectUrls")


def _product(value: str) -> str:
    if any(ord(c) < 32 for c in value):
        raise ValueError("productName: no control characters")
    return value.strip()


Colour = Annotated[str, Field(max_length=7), AfterValidator(_colour)]


class Branding(BaseModel):
    """``PUT /branding``; every field optional (the page falls back to neutral defaults)."""

    model_config = ConfigDict(extra="forbid")

    productName: Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_product)] | None = None
    logo: Annotated[str, Field(max_length=MAX_LOGO_BYTES * 4 // 3 + 64), AfterValidator(_logo)] | None = None
    primaryColor: Colour | None = None
    backgroundColor: Colour | None = None
    textColor: Colour | None = None
    supportUrl: Annotated[str, Field(max_length=2000), AfterValidator(_support)] | None = None
    allowedRedirectUrls: Annotated[
        list[Annotated[str, Field(max_length=2000), AfterValidator(_redirect)]], Field(max_length=20)
    ] = Field(default_factory=list)


class RedirectNotAllowed(ValueError):
    """A Connect link's ``redirectUrl`` that is not on the tenant's allowed list."""


def check_redirect(branding: Branding | None, redirect_url: str) -> str:
    """``redirect_url`` when it is https and exactly one of the tenant's allowed URLs."""
    _https(redirect_url, "redirectUrl")
    allowed = branding.allowedRedirectUrls if branding is not None else []
    if redirect_url not in allowed:
        raise RedirectNotAllowed(
            "redirectUrl must be exactly one of the allowedRedirectUrls set with PUT /branding"
            + ("" if allowed else " (none are set)")
        )
    return redirect_url


class Brandings:
    """Each tenant's stored branding (``PUT /branding``), and the checks that depend on it."""

    def __init__(self, table: BrandingTable) -> None:
        self.table = table

    def get(self, tenant_id: str) -> Branding:
        """The tenant's branding, or the neutral default when it set none."""
        stored = self.table.get(tenant_id)
        return Branding.model_validate(stored) if stored else Branding()

    def put(self, tenant_id: str, branding: Branding) -> dict[str, Any]:
        """Replace the tenant's branding; returns it as stored (fields left out are absent)."""
        data = branding.model_dump(exclude_none=True)
        self.table.put(tenant_id, data)
        return data

    def check_redirect(self, tenant_id: str, redirect_url: str) -> str:
        """``redirect_url`` when it is one of the tenant's allowed URLs, else 422 naming ``redirectUrl``."""
        try:
            return check_redirect(self.get(tenant_id), redirect_url)
        except ValueError as exc:  # RedirectNotAllowed, or not an https URL at all
            raise CoreError(422, "redirect_url_not_allowed", str(exc), "redirectUrl") from None
