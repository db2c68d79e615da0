"""Ashby's inbound webhook signature: ``Ashby-Signature: sha256=<hex HMAC-SHA256 of the raw body>``.

Verification runs over the exact bytes received (never a re-serialised JSON), and compares in constant
time so the answer's timing tells an attacker nothing about how much of a guess was right.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Ashby-Signature"
_PREFIX = "sha256="


def sign_ashby_body(secret: str, body: bytes) -> str:
    """The header value Ashby sends for ``body`` signed with ``secret`` (used by tests and benchmarks)."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def verify_ashby_signature(secret: str | None, body: bytes, header: str | None) -> bool:
    """True when ``header`` is the valid signature of ``body``; False when missing, malformed or wrong."""
    if not secret or not header:
        return False
    value = header.strip()
    if not value.lower().startswith(_PREFIX):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    received = value[len(_PREFIX) :].strip().lower()
    return hmac.compare_digest(expected.encode(), received.encode())
