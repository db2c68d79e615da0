"""Ashby-Signature verification: HMAC-SHA256 over the raw bytes, nothing else accepted."""

from __future__ import annotations

import hashlib
import hmac

from ashby_connector.webhooks import parse_envelope, sign_ashby_body, verify_ashby_signature
from ashby_connector.webhooks.envelope import MalformedWebhookError

SECRET = "s3cr3t-token"
BODY = b'{"webhookActionId":"a1","action":"applicationUpdate","data":{"application":{"id":"x"}}}'


def test_valid_signature_over_raw_bytes_is_accepted() -> None:
    header = "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert verify_ashby_signature(SECRET, BODY, header)
    assert sign_ashby_body(SECRET, BODY) == header


def test_wrong_missing_or_malformed_signatures_are_rejected() -> None:
    good = sign_ashby_body(SECRET, BODY)
    assert not verify_ashby_signature("other-secret", BODY, good)
    assert not verify_ashby_signature(SECRET, BODY, None)
    assert not verify_ashby_signature(SECRET, BODY, "")
    assert not verify_ashby_signature(SECRET, BODY, good.removeprefix("sha256="))
    assert not verify_ashby_signature(SECRET, BODY, "sha1=" + good[7:])
    assert not verify_ashby_signature(None, BODY, good)


def test_any_change_to_the_bytes_breaks_the_signature() -> None:
    good = sign_ashby_body(SECRET, BODY)
    # Same JSON meaning, different bytes: verification is over what was received, not re-serialised.
    assert not verify_ashby_signature(SECRET, BODY.replace(b",", b", "), good)
    assert not verify_ashby_signature(SECRET, BODY + b"\n", good)


def test_envelope_parsing() -> None:
    event = parse_envelope(BODY)
    assert (event.webhook_action_id, event.action, event.data) == (
        "a1",
        "applicationUpdate",
        {"application": {"id": "x"}},
    )
    assert parse_envelope(b'{"action":"ping","data":{}}').action == "ping"
    for bad in (
        b"not json",
        b"[]",
        b'{"action":"applicationUpdate"}',
        b'{"webhookActionId":"a","data":{}}',
        b'{"webhookActionId":"a","action":"x","data":[]}',
    ):
        try:
            parse_envelope(bad)
        except MalformedWebhookError:
            continue
        raise AssertionError(f"accepted {bad!r}")
