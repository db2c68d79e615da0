"""Ashby's cursor and syncToken pagination over a kind's change log.

Cursors and sync tokens are opaque to clients: ``base64url(json) + "." + hmac``. A token carries the
operation, the change sequence it stands for and when it was issued, so expiry, on-demand expiry
(``State.tokens_expired_before``, for all lists or one) and tampering (``sync_token_invalid``) are
all checked here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

import orjson

from ashby_connector.emulator.errors import ApiError, invalid_input
from ashby_connector.emulator.handlers.context import Ctx

_SECRET_KEY = "pagination_secret"


class RawEnvelope:
    """A handler result that is already the whole response body."""

    __slots__ = ("body",)

    def __init__(self, body: bytes) -> None:
        self.body = body


def _secret(ctx: Ctx) -> bytes:
    secret = ctx.state.extras.get(_SECRET_KEY)
    if secret is None:
        secret = hashlib.sha256(f"ashby-emulator-{ctx.state.config.seed}-{time.time()}".encode()).digest()
        ctx.state.extras[_SECRET_KEY] = secret
    assert isinstance(secret, bytes)
    return secret


def encode_token(ctx: Ctx, payload: dict[str, Any]) -> str:
    raw = base64.urlsafe_b64encode(orjson.dumps(payload)).rstrip(b"=")
    sig = hmac.new(_secret(ctx), raw, hashlib.sha256).hexdigest()[:24]
    return raw.decode() + "." + sig


def decode_token(ctx: Ctx, token: Any, bad_code: str) -> dict[str, Any]:
    if not isinstance(token, str) or "." not in token:
        raise ApiError(bad_code, "The token is not valid")
    raw, sig = token.rsplit(".", 1)
    good = hmac.new(_secret(ctx), raw.encode(), hashlib.sha256).hexdigest()[:24]
    if not hmac.compare_digest(good, sig):
        raise ApiError(bad_code, "The token is not valid")
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        raise ApiError(bad_code, "The token is not valid") from None
    if not isinstance(payload, dict) or payload.get("o") != ctx.op.name:
        raise ApiError(bad_code, "The token belongs to another list")
    return payload


def page_limit(ctx: Ctx) -> int:
    limit = ctx.body.get("limit", ctx.state.config.max_page_size)
    if not isinstance(limit, int | float) or isinstance(limit, bool) or limit < 1:
        raise invalid_input("limit", "must be a positive number")
    return min(int(limit), ctx.state.config.max_page_size)


def paginate(
    ctx: Ctx,
    kind: str,
    *,
    accept: Callable[[str], bool] | None = None,
    ids: list[str] | None = None,
) -> RawEnvelope:
    """One page of ``kind`` for the operation in ``ctx``, as Ashby pages its lists.

    ``accept`` filters ids (request filters); ``ids`` restricts to a given set (child lists).
    Records the key may not see are always left out.
    """
    op = ctx.op
    state = ctx.state
    cfg = state.config
    ks = state.kinds[kind]
    now = time.time()
    uses_tokens = op.pagination == "cursor+syncToken"
    after = 0
    incremental = False
    cursor = ctx.body.get("cursor")
    token = ctx.body.get("syncToken") if uses_tokens else None
    if cursor is not None:
        c = decode_token(ctx, cursor, "invalid_next_cursor")
        if now - float(c.get("t", 0)) > cfg.cursor_ttl_seconds or float(
            c.get("t", 0)
        ) < state.tokens_expired_before(op.name):
            raise ApiError("next_cursor_expired", "The cursor has expired; start the list again")
        after = int(c["s"])
        incremental = bool(c.get("i"))
    elif token is not None:
        t = decode_token(ctx, token, "sync_token_invalid")
        issued = float(t.get("t", 0))
        if now - issued > cfg.sync_token_ttl_seconds or issued < state.tokens_expired_before(op.name):
            raise ApiError("sync_token_expired", "The sync token has expired; run a full sync")
        after = int(t["s"])
        incremental = True
        limit_changes = cfg.incremental_too_large_threshold
        if limit_changes is not None and ks.count_after(after) > limit_changes:
            exact = sum(1 for _ in ks.scan_after(after))
            if exact > limit_changes:
                raise ApiError(
                    "incremental_sync_too_large",
                    "Too many changes since this sync token; run a full sync",
                    meta={"changes": exact},
                )
    limit = page_limit(ctx)

    def ok(ident: str) -> bool:
        return ctx.visible(kind, ident) and (accept is None or accept(ident))

    found: list[tuple[int, str]] = []
    if ids is not None:
        seq_of = ks.seq_of
        chosen = sorted((seq_of[i], i) for i in ids if i in seq_of and seq_of[i] > after)
        for seq, ident in chosen:
            if ok(ident):
                found.append((seq, ident))
                if len(found) > limit:
                    break
    else:
        for pair in ks.scan_after(after, ok):
            found.append(pair)
            if len(found) > limit:
                break
    more = len(found) > limit
    found = found[:limit]
    parts = [b'{"success":true,"results":[', b",".join(ctx.render(kind, i) for _, i in found), b"]"]
    if op.pagination == "none":
        parts.append(b',"moreDataAvailable":false}')
        return RawEnvelope(b"".join(parts))
    parts.append(b',"moreDataAvailable":' + (b"true" if more else b"false"))
    if more:
        nxt = encode_token(ctx, {"o": op.name, "s": found[-1][0], "t": now, "i": incremental})
        parts.append(b',"nextCursor":"' + nxt.encode() + b'"')
    elif uses_tokens:
        sync = encode_token(ctx, {"o": op.name, "s": state.seq, "t": now})
        parts.append(b',"syncToken":"' + sync.encode() + b'"')
    parts.append(b"}")
    return RawEnvelope(b"".join(parts))
