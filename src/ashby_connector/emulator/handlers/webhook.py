"""``webhook.*``: the settings Ashby pushes events to (delivery lives in delivery/webhooks.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ashby_connector.emulator.delivery.services import webhook_sender
from ashby_connector.emulator.delivery.webhooks import WebhookSetting
from ashby_connector.emulator.errors import ApiError, invalid_input
from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.handlers.registry import handler


def _check_url(url: Any) -> str:
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise invalid_input("requestUrl", "must be an absolute http(s) URL")
    return url


def _setting(ctx: Ctx) -> WebhookSetting:
    ident = ctx.need("webhookId")
    setting = webhook_sender(ctx.state).get(ident)
    if setting is None:
        raise ApiError("webhook_not_found", f"webhook {ident} not found", meta={"id": ident})
    return setting


@handler("webhook.create")
def create(ctx: Ctx) -> dict[str, Any]:
    url = _check_url(ctx.need("requestUrl"))
    setting = webhook_sender(ctx.state).create(ctx.need("webhookType"), url, ctx.arg("secretToken"))
    return setting.to_api(with_secret=True)


@handler("webhook.update")
def update(ctx: Ctx) -> dict[str, Any]:
    setting = _setting(ctx)
    url = ctx.arg("requestUrl")
    updated = webhook_sender(ctx.state).update(
        setting.id,
        enabled=ctx.arg("enabled"),
        request_url=_check_url(url) if url is not None else None,
        secret_token=ctx.arg("secretToken"),
    )
    assert updated is not None
    return updated.to_api(with_secret=True)


@handler("webhook.info")
def info(ctx: Ctx) -> dict[str, Any]:
    return _setting(ctx).to_api(with_secret=False)


@handler("webhook.delete")
def delete(ctx: Ctx) -> dict[str, Any]:
    setting = _setting(ctx)
    webhook_sender(ctx.state).delete(setting.id)
    return {"webhookId": setting.id}
