"""Registering Ashby webhook settings: a secret per connection, idempotent, re-enabled after a failed ping."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from ashby_connector.refusals import SettingRefused
from ashby_connector.store import Store
from ashby_connector.store.schema_webhooks import webhook_connection
from ashby_connector.store.secrets import SecretBox
from ashby_connector.webhooks import WebhookRegistry
from ashby_connector.webhooks.outbound_url import GuardedSender
from ashby_connector.webhooks.registration import endpoint_url
from tests.outbound import PUBLIC_DNS


class AshbySettings:
    """Ashby's webhook.* operations; a setting whose ping fails is created disabled."""

    def __init__(self, ping_ok: bool) -> None:
        self.ping_ok = ping_ok
        self.settings: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []

    def call(self, operation: str, body: dict[str, Any] | None = None) -> Any:
        body = body or {}
        self.calls.append(operation)
        if operation == "webhook.create":
            sid = f"wh{len(self.settings) + 1}"
            self.settings[sid] = {
                "id": sid,
                "webhookType": body["webhookType"],
                "requestUrl": body["requestUrl"],
                "enabled": self.ping_ok,
            }
            return self.settings[sid]
        setting = self.settings[body["webhookId"]]
        if operation == "webhook.update":
            setting.update({k: v for k, v in body.items() if k in ("requestUrl", "enabled")})
            return setting
        if operation == "webhook.delete":
            del self.settings[body["webhookId"]]
            return {"webhookId": body["webhookId"]}
        return setting


@pytest.fixture
def registry(tmp_path: object) -> WebhookRegistry:
    return WebhookRegistry(
        Store.open(f"{tmp_path}/reg.db").engine,
        SecretBox(Fernet.generate_key()),
        sender=GuardedSender(PUBLIC_DNS),
    )


def test_register_creates_one_setting_per_type_with_an_encrypted_secret(registry: WebhookRegistry) -> None:
    ashby = AshbySettings(ping_ok=True)
    out = registry.register(
        "c1", ashby, "https://hooks.example.com/", ["candidateStageChange", "offerCreate"]
    )
    assert [s.webhook_type for s in out] == ["candidateStageChange", "offerCreate"]
    assert all(s.url == "https://hooks.example.com/webhooks/ashby/c1" and s.enabled for s in out)
    secret = registry.secret_for("c1")
    with registry.engine.connect() as conn:
        stored = conn.execute(sa.select(webhook_connection.c.secret_encrypted)).scalar()
    assert secret and stored and secret not in stored  # encrypted at rest
    registry.register("c1", ashby, "https://hooks.example.com/", ["offerCreate"])
    assert len(ashby.settings) == 2  # idempotent
    assert registry.unregister("c1", ashby) == ["candidateStageChange", "offerCreate"]
    assert ashby.settings == {}


def test_disabled_setting_is_reenabled_once_the_endpoint_answers(registry: WebhookRegistry) -> None:
    ashby = AshbySettings(ping_ok=False)
    answering = {"ok": False}
    out = registry.register(
        "c1", ashby, "https://x.example", ["offerCreate"], probe=lambda url, s: answering["ok"]
    )
    assert not out[0].enabled
    answering["ok"] = True
    assert registry.reenable("c1", ashby, probe=lambda url, s: answering["ok"]) == ["offerCreate"]
    assert registry.settings("c1")[0].enabled and ashby.settings["wh1"]["enabled"]


def test_bad_input_is_refused(registry: WebhookRegistry) -> None:
    with pytest.raises(SettingRefused):
        registry.register("c1", AshbySettings(True), "https://x.example", ["notAType"])
    with pytest.raises(SettingRefused):
        endpoint_url("ftp://x", "c1")


def test_housekeeping_reenables_disabled_settings(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from ashby_connector.webhooks import WebhookOptions, WebhookService

    store = Store.open(f"{tmp_path}/hk.db")
    ashby = AshbySettings(ping_ok=False)
    service = WebhookService.for_store(
        store,
        SecretBox(Fernet.generate_key()),
        client_for=lambda cid: ashby,
        options=WebhookOptions(outbound=PUBLIC_DNS),
    )
    service.registry.register("c1", ashby, "https://x.example", ["offerCreate"], probe=lambda url, s: False)
    assert service.registry.disabled_connections() == ["c1"]
    import ashby_connector.webhooks.registration as registration

    monkeypatch.setattr(registration, "probe_endpoint", lambda url, secret, **kw: True)  # we answer now
    service._housekeeping()
    assert service.registry.disabled_connections() == []
