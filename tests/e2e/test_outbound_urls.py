"""Tenant-chosen URLs cannot reach inside: loopback, private, metadata and rebinding hosts."""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest
from cryptography.fernet import Fernet

from ashby_connector.store import Store
from ashby_connector.store.secrets import SecretBox
from ashby_connector.webhooks import WebhookOptions, WebhookService, delivery_log, sign_ashby_body
from ashby_connector.webhooks.outbound_url import OutboundPolicy, OutboundURLError, parse_allowlist
from ashby_connector.webhooks.testing import RecordingReceiver
from tests.integration.server_fakes import harness
from tests.outbound import LOCAL_RECEIVERS

PUBLIC = "93.184.215.14"
STRICT = OutboundPolicy(resolver=lambda host, port: [PUBLIC])


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("http://hooks.example.com/x", "scheme"),
        ("ftp://hooks.example.com/x", "scheme"),
        ("https:///x", "host"),
        ("https://user:pw@hooks.example.com/x", "credentials"),
        ("https://127.0.0.1/x", "loopback"),
        ("https://127.1.2.3:8443/x", "loopback"),
        ("https://[::1]/x", "loopback"),
        ("https://[::ffff:127.0.0.1]/x", "loopback"),
        ("https://10.0.0.5/x", "private"),
        ("https://192.168.1.1/x", "private"),
        ("https://172.16.0.1/x", "private"),
        ("https://100.64.0.1/x", "private"),
        ("https://[fd12::1]/x", "private"),
        ("https://169.254.169.254/latest/meta-data/", "metadata_address"),
        ("https://[fd00:ec2::254]/x", "metadata_address"),
        ("https://metadata.google.internal/x", "metadata_address"),
        ("https://169.254.10.10/x", "link_local"),
        ("https://224.0.0.1/x", "multicast"),
        ("https://0.0.0.0/x", "unspecified"),
        ("https://240.0.0.1/x", "reserved"),
        ("https://hooks.example.com:99999/x", "url"),
        # IPv6 forms that carry an internal IPv4 address, and deprecated ranges.
        ("https://[2002:7f00:1::1]/x", "loopback"),  # 6to4 of 127.0.0.1
        ("https://[2002:a9fe:a9fe::1]/x", "metadata_address"),  # 6to4 of 169.254.169.254
        ("https://[2002:0a00:0001::1]/x", "private"),  # 6to4 of 10.0.0.1
        ("https://[64:ff9b::7f00:1]/x", "loopback"),  # NAT64 of 127.0.0.1
        ("https://[64:ff9b::a9fe:a9fe]/x", "metadata_address"),  # NAT64 of the metadata service
        ("https://[64:ff9b::5db8:d70e]/x", "reserved"),  # NAT64 of a public address: a gateway
        ("https://[64:ff9b:1::a00:1]/x", "reserved"),  # local-use NAT64
        ("https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x", "private"),  # Teredo
        ("https://[::ffff:10.0.0.1]/x", "private"),  # IPv4-mapped
        ("https://[::ffff:7f00:1]/x", "loopback"),  # IPv4-mapped, in hex
        ("https://[::127.0.0.1]/x", "loopback"),  # IPv4-compatible
        ("https://[fec0::1]/x", "site_local"),
        ("https://[fe80::1%25eth0]/x", "link_local"),  # with a zone
        ("https://192.88.99.1/x", "reserved"),  # 6to4 relay anycast
        ("https://198.18.0.1/x", "private"),  # benchmarking
        ("https://192.0.0.8/x", "reserved"),  # IETF protocol assignments
        ("https://[2001:db8::1]/x", "private"),  # documentation
        ("https://[100::1]/x", "reserved"),  # discard-only
    ],
)
def test_the_policy_refuses_internal_and_non_https_urls_naming_the_rule(url: str, rule: str) -> None:
    with pytest.raises(OutboundURLError) as refused:
        STRICT.check(url)
    assert refused.value.rule == rule


@pytest.mark.parametrize(
    ("resolved", "rule"),
    [
        ("2002:7f00:1::1", "loopback"),
        ("64:ff9b::a9fe:a9fe", "metadata_address"),
        ("fec0::1", "site_local"),
        ("::ffff:192.168.0.1", "private"),
        ("192.88.99.1", "reserved"),
    ],
)
def test_a_name_resolving_to_an_embedded_internal_address_is_refused(resolved: str, rule: str) -> None:
    policy = OutboundPolicy(resolver=lambda host, port: [resolved])
    with pytest.raises(OutboundURLError) as refused:
        policy.check("https://hooks.example.com/x")
    assert refused.value.rule == rule


def test_global_addresses_pass_in_every_form() -> None:
    for address in ("93.184.215.14", "2606:4700::1111", "2002:5db8:d70e::1", "::ffff:93.184.215.14"):
        policy = OutboundPolicy(resolver=lambda host, port, a=address: [a])  # type: ignore[misc]
        assert policy.check("https://hooks.example.com/x").addresses == (address,)


def test_a_name_is_refused_when_any_of_its_addresses_is_internal() -> None:
    split = OutboundPolicy(resolver=lambda host, port: [PUBLIC, "10.1.2.3"])
    with pytest.raises(OutboundURLError) as refused:
        split.check("https://hooks.example.com/x")
    assert refused.value.rule == "private" and "resolves to a private address" in str(refused.value)
    assert "10.1.2.3" not in str(refused.value)  # the rule, never the server's network
    nowhere = OutboundPolicy(resolver=lambda host, port: [])
    with pytest.raises(OutboundURLError, match="does not resolve") as unresolved:
        nowhere.check("https://nowhere.example/x")
    assert unresolved.value.rule == "unresolvable"
    assert STRICT.check("https://hooks.example.com/x").addresses == (PUBLIC,)


def test_the_development_allowlist_is_explicit_and_narrow() -> None:
    local = OutboundPolicy.development("127.0.0.1", resolver=lambda host, port: ["127.0.0.1"])
    assert local.check("http://127.0.0.1:9/x").addresses == ("127.0.0.1",)
    for url, rule in (("http://127.0.0.2/x", "loopback"), ("http://10.0.0.1/x", "private")):
        with pytest.raises(OutboundURLError) as refused:
            local.check(url)
        assert refused.value.rule == rule
    assert "127.0.0.1/32" in local.describe() and "https only" in OutboundPolicy().describe()
    with pytest.raises(ValueError, match="not an address"):
        parse_allowlist(["intranet"])


def test_subscriptions_and_registration_answer_422_naming_the_rule(tmp_path: Path) -> None:
    production = {"outbound_allow_http": False, "outbound_allowlist": ()}
    with harness(tmp_path, **production) as h:
        conn = h.connection(h.tenant())
        cases = [
            ("http://127.0.0.1:1/x", "scheme"),
            ("https://127.0.0.1:1/x", "loopback"),
            ("https://localhost:8010/_emulator/reset", "loopback"),
            ("https://10.0.0.8/hook", "private"),
            ("https://169.254.169.254/latest/meta-data/", "metadata_address"),
        ]
        for url, rule in cases:
            answer = h.http.post("/subscriptions", json={"url": url}, headers=conn)
            assert answer.status_code == 422, answer.text
            error = answer.json()["error"]
            assert (error["code"], error["field"], error["rule"]) == ("outbound_url_refused", "url", rule)
            assert rule.replace("_", " ") in error["message"] or rule == "scheme"
        assert h.http.get("/subscriptions", headers=conn).json()["results"] == []
        registered = h.http.post(
            f"/connections/{conn['X-Connection-Id']}/webhooks",
            json={"url": "https://127.0.0.1:8765", "types": ["offerCreate"]},
            headers=conn,
        )
        assert registered.status_code == 422
        assert registered.json()["error"]["rule"] == "loopback"
        assert not [r for r in h.ashby.seen if r.url.path == "/webhook.create"]  # Ashby never asked


def _service(tmp_path: Path, policy: OutboundPolicy) -> WebhookService:
    service = WebhookService.for_store(
        Store.open(f"{tmp_path}/out.db"),
        SecretBox(Fernet.generate_key()),
        options=WebhookOptions(outbound=policy, delivery_timeout=2.0),
        tenant_of=lambda cid: "t1",
    )
    service.registry.ensure_secret("c1")
    return service


def _change(service: WebhookService) -> None:
    application = {
        "id": "app1",
        "updatedAt": f"2026-01-01T10:00:{time.monotonic_ns() % 60:02d}Z",
        "status": "Active",
        "createdAt": "2026-01-01T00:00:00Z",
        "candidate": {"id": "cand1"},
        "job": {"id": "j1"},
    }
    event = {"application": application}
    body = orjson.dumps(
        {"webhookActionId": str(time.monotonic_ns()), "action": "applicationUpdate", "data": event}
    )
    secret = service.registry.secret_for("c1") or ""
    assert service.receive("c1", body, sign_ashby_body(secret, body)).status_code == 200
    service.processor.process_pending()  # the change is in the outbox now


def test_a_name_that_rebinds_to_an_internal_address_is_refused_at_delivery(tmp_path: Path) -> None:
    with RecordingReceiver() as inside:
        port = int(inside.url.rsplit(":", 1)[1].split("/")[0])
        answers = iter([[PUBLIC]])  # public when the subscription is made, then 127.0.0.1

        def rebinding(host: str, port: int) -> list[str]:
            return next(answers, ["127.0.0.1"])

        service = _service(tmp_path, OutboundPolicy(allow_http=True, resolver=rebinding))
        sub, _ = service.subscriptions.create("t1", url=f"http://rebind.example:{port}/hook")
        _change(service)
        service.deliverer.deliver_due()
        assert inside.received == []  # the internal listener was never reached
        [entry] = delivery_log(service.engine, sub.id)
        assert entry["success"] is False and entry["statusCode"] is None
        assert entry["error"].startswith("refused (loopback)")
        service.close()


def test_delivery_connects_to_the_checked_address_with_the_name_as_host(tmp_path: Path) -> None:
    # The name resolves (for this test) to the allowed 127.0.0.1: the request goes to that address
    # and still says which host it is for.
    with RecordingReceiver() as rx:
        port = int(rx.url.rsplit(":", 1)[1].split("/")[0])
        policy = OutboundPolicy(
            allow_http=True, allowlist=parse_allowlist(["127.0.0.1"]), resolver=lambda h, p: ["127.0.0.1"]
        )
        service = _service(tmp_path, policy)
        service.subscriptions.create("t1", url=f"http://receiver.example:{port}/hook")
        _change(service)
        service.drain(timeout=10)
        assert len(rx.received) == 1
        assert rx.received[0].headers["host"] == f"receiver.example:{port}"
        service.close()


def test_a_refused_connection_is_logged_by_kind_not_by_the_systems_words(tmp_path: Path) -> None:
    service = _service(tmp_path, LOCAL_RECEIVERS)
    sub, _ = service.subscriptions.create("t1", url="http://127.0.0.1:1/x")
    _change(service)
    service.deliverer.deliver_due()
    [entry] = delivery_log(service.engine, sub.id)
    assert entry["error"] == "ConnectError"  # no "[Errno 111] Connection refused": not a port scanner
    service.close()
