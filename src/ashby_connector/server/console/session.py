"""The console's session: a signed cookie naming the tenant, with an expiry and a CSRF token.

The platform key is exchanged for the session at sign-in and never kept: the cookie holds the
tenant's id, when the session ends and a random CSRF token, signed with HMAC-SHA256 under a key
derived from the master key (so sessions survive restarts and work on every server process).
The cookie is HttpOnly, SameSite=Strict, Secure when served over https, and scoped to
``/console``. A revoked platform key ends its sessions at their next request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import orjson
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "ashby_console"
PATH = "/console"
SESSION_SECONDS = 8 * 3600.0
# Before sign-in the cookie carries only a CSRF token (the sign-in form has one too).
ANONYMOUS = ""


@dataclass(frozen=True)
class Session:
    tenant_id: str  # ANONYMOUS before sign-in
    csrf: str
    expires_at: float

    @property
    def signed_in(self) -> bool:
        return self.tenant_id != ANONYMOUS


class Sessions:
    def __init__(self, key: bytes, *, seconds: float = SESSION_SECONDS) -> None:
        self._key = key
        self.seconds = seconds

    def __repr__(self) -> str:
        return "Sessions(<key hidden>)"

    def new(self, tenant_id: str = ANONYMOUS) -> Session:
        return Session(tenant_id, secrets.token_urlsafe(24), time.time() + self.seconds)

    def _sign(self, payload: bytes) -> str:
        return base64.urlsafe_b64encode(hmac.new(self._key, payload, hashlib.sha256).digest()).decode()

    def encode(self, session: Session) -> str:
        payload = orjson.dumps({"t": session.tenant_id, "c": session.csrf, "e": session.expires_at})
        return base64.urlsafe_b64encode(payload).decode() + "." + self._sign(payload)

    def decode(self, value: str | None) -> Session | None:
        """The session in a cookie, or None when it is missing, forged, damaged or expired."""
        if not value or len(value) > 1000 or "." not in value:
            return None
        body, _, signature = value.partition(".")
        try:
            payload = base64.urlsafe_b64decode(body.encode())
        except ValueError:
            return None
        if not hmac.compare_digest(self._sign(payload), signature):
            return None
        try:
            data = orjson.loads(payload)
            session = Session(str(data["t"]), str(data["c"]), float(data["e"]))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None
        return session if session.expires_at > time.time() else None

    def read(self, request: Request) -> Session | None:
        return self.decode(request.cookies.get(COOKIE))

    def write(self, response: Response, session: Session, request: Request) -> None:
        response.set_cookie(
            COOKIE,
            self.encode(session),
            max_age=max(0, int(session.expires_at - time.time())),
            path=PATH,
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )

    @staticmethod
    def clear(response: Response, request: Request) -> None:
        response.delete_cookie(
            COOKIE, path=PATH, secure=request.url.scheme == "https", httponly=True, samesite="strict"
        )


def csrf_ok(session: Session | None, sent: object) -> bool:
    """The form's token is the session's (compared in constant time)."""
    if session is None or not isinstance(sent, str) or not sent:
        return False
    return hmac.compare_digest(session.csrf.encode(), sent.encode())
