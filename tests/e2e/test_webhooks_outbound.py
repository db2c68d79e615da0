"""Outbound: subscriptions, unified events from webhooks and sync diffs, signed delivery, retries."""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest
from cryptography.fernet import Fernet
from standardwebhooks import Webhook

from ashby_connector.refusals import SettingRefused
from ashby_connector.store import Store
from ashby_connector.store.secrets import SecretBox
from ashby_connector.webhooks import (
    Backoff,
    WebhookOptions,
    WebhookService,
    delivery_log,
    sign_ashby_body,
)
from ashby_connector.webhooks.testing import RecordingReceiver
from tests.outbound import LOCAL_RECEIVERS

C = "conn1"
TENANT = "tenant1"


@pytest.fixture
def svc(tmp_path: object) -> WebhookService:
    store = Store.open(f"{tmp_path}/out.db")
    # Hours of retries squeezed into milliseconds: 30 s * 2^n capped at 1 h, times 1e-4.
    opts = WebhookOptions(
        delivery_backoff=Backoff(time_scale=1e-4), delivery_timeout=2.0, outbound=LOCAL_RECEIVERS
    )
    service = WebhookService.for_store(
        store,
        SecretBox(Fernet.generate_key()),
        options=opts,
        tenant_of=lambda cid: TENANT if cid == C else None,
    )
    service.registry.ensure_secret(C)
    return service


def send(svc: WebhookService, action: str, data: dict[str, Any]) -> None:
    body = orjson.dumps(
        {"webhookActionId": f"{action}-{time.monotonic_ns()}", "action": action, "data": data}
    )
    assert svc.receive(C, body, sign_ashby_body(svc.registry.secret_for(C) or "", body)).status_code == 200


def app(updated: str, stage: str) -> dict[str, Any]:
    return {
        "id": "app1",
        "updatedAt": updated,
        "status": "Active",
        "createdAt": "2026-01-01T00:00:00Z",
        "currentInterviewStage": {"id": stage, "title": stage},
        "candidate": {"id": "cand1"},
        "job": {"id": "j1"},
    }


def test_subscription_crud_and_validation(svc: WebhookService) -> None:
    sub, secret = svc.subscriptions.create(TENANT, url="http://127.0.0.1:9/x", models=["atsApplication"])
    assert secret.startswith("whsec_") and sub.to_api(secret=secret)["secret"] == secret
    assert [s.id for s in svc.subscriptions.for_tenant(TENANT)] == [sub.id]
    assert svc.subscriptions.for_tenant("someone-else") == []
    assert svc.subscriptions.get("someone-else", sub.id) is None
    updated = svc.subscriptions.update(TENANT, sub.id, events=["updated"], enabled=False)
    assert updated is not None and updated.events == ["updated"] and not updated.enabled
    with pytest.raises(SettingRefused):
        svc.subscriptions.create(TENANT, url="ftp://x", models=[])
    with pytest.raises(SettingRefused):
        svc.subscriptions.create(TENANT, url="http://x", models=["notAModel"])
    with pytest.raises(SettingRefused):
        svc.subscriptions.create(TENANT, url="http://x", events=["exploded"])
    assert svc.subscriptions.delete(TENANT, sub.id) and not svc.subscriptions.delete(TENANT, sub.id)


def test_webhook_change_reaches_the_subscriber_signed_as_unified_event(svc: WebhookService) -> None:
    with RecordingReceiver() as rx:
        sub, secret = svc.subscriptions.create(TENANT, url=rx.url, models=["atsApplication"])
        rx.secret = secret
        send(svc, "candidateStageChange", {"application": app("2026-01-01T10:00:00Z", "Screen")})
        send(svc, "candidateStageChange", {"application": app("2026-01-01T11:00:00Z", "Onsite")})
        svc.drain()
        assert [r.verified for r in rx.received] == [True, True]
        events = rx.events()
        assert [e["type"] for e in events] == ["atsApplication.created", "atsApplication.updated"]
        assert events[1]["data"]["id"] == "app1" and events[1]["data"]["stageId"] == "Onsite"
        assert events[1]["connectionId"] == C
        first = rx.received[0]
        assert first.headers["webhook-id"] == events[0]["id"]
        Webhook(secret).verify(first.body, first.headers)  # the library's own check passes
        entries = delivery_log(svc.engine, sub.id)
        assert [e["success"] for e in entries] == [True, True]


def test_same_change_reported_twice_is_one_event_with_a_stable_id(svc: WebhookService) -> None:
    with RecordingReceiver() as rx:
        svc.subscriptions.create(TENANT, url=rx.url, models=["atsDepartment"])
        dept = {"id": "d1", "name": "Eng", "updatedAt": "2026-01-01T00:00:00Z"}
        # A sync diff and a re-processed change: same record, same change, same id.
        svc.outbox.enqueue_change(C, "department", dept, "created")
        svc.outbox.enqueue_change(C, "department", dict(dept), "created")
        svc.drain()
        assert [e["type"] for e in rx.events()] == ["atsDepartment.created"]


def test_sync_diffs_of_models_ashby_never_pushes_produce_events(svc: WebhookService) -> None:
    with RecordingReceiver() as rx:
        svc.subscriptions.create(
            TENANT, url=rx.url, models=["genericUser", "atsDepartment"], events=["created", "deleted"]
        )
        on_change = svc.outbox.for_connection(C)  # what the sync engine calls
        on_change("user", {"id": "u1", "firstName": "Ada", "lastName": "L", "email": "a@x.io"}, "created")
        on_change("department", {"id": "d1", "name": "Eng"}, "updated")  # filtered out by events
        on_change("department", {"id": "d2", "name": "Ops"}, "deleted")
        svc.drain()
        # Different records travel in parallel: order is only promised per record.
        got = {e["type"]: e for e in rx.events()}
        assert sorted(got) == ["atsDepartment.deleted", "genericUser.created"]
        assert got["genericUser.created"]["data"]["id"] == "u1"
        assert (
            got["atsDepartment.deleted"]["data"]["id"] == "d2"
            and got["atsDepartment.deleted"]["data"]["deletedAt"]
        )


def offer(*letters: str) -> dict[str, Any]:
    versions = [
        {
            "id": f"v-{name}",
            "createdAt": f"2026-01-0{i + 2}T00:00:00Z",
            "fileHandles": [{"id": f"file-{name}", "name": f"{name}.pdf", "handle": f"handle-{name}"}],
        }
        for i, name in enumerate(letters)
    ]
    return {"id": "offer1", "applicationId": "app1", "versions": versions, "latestVersion": versions[-1]}


def test_an_offer_change_raises_events_of_its_letters_as_attachments(svc: WebhookService) -> None:
    with RecordingReceiver() as rx:
        _, rx.secret = svc.subscriptions.create(TENANT, url=rx.url, models=["atsAttachment"])
        send(svc, "candidateStageChange", {"application": app("2026-01-01T10:00:00Z", "Offer")})
        svc.drain()
        send(svc, "offerCreate", {"offer": offer("first")})
        svc.drain()
        send(svc, "offerUpdate", {"offer": offer("first", "second")})
        svc.drain()
        events = [(e["type"], e["data"]["id"], e["data"]) for e in rx.events()]
        # Different records travel in parallel: order is only promised per record.
        assert sorted((kind, ident) for kind, ident, _ in events) == [
            ("atsAttachment.created", "file-first"),
            ("atsAttachment.updated", "file-first"),
            ("atsAttachment.updated", "file-second"),
        ]
        for _, ident, data in events:
            # The record the candidate's attachments list shows: its candidate, offer and type.
            assert (data["candidateId"], data["offerId"], data["type"]) == ("cand1", "offer1", "OFFER_LETTER")
            assert data["name"] == ident.replace("file-", "") + ".pdf"


def test_subscriber_down_then_up_gets_every_event_in_order_per_record(svc: WebhookService) -> None:
    rx = RecordingReceiver(status=503)
    try:
        sub, secret = svc.subscriptions.create(TENANT, url=rx.url, models=["atsApplication"])
        rx.secret = secret
        for hour, stage in enumerate(["A", "B", "C", "D"], start=10):
            send(svc, "applicationUpdate", {"application": app(f"2026-01-01T{hour}:00:00Z", stage)})
        svc.processor.drain()
        for _ in range(5):  # several failed rounds while the receiver answers 503, then it is gone
            svc.deliverer.deliver_due()
            time.sleep(0.01)
        rx.down()
        for _ in range(3):
            svc.deliverer.deliver_due()
            time.sleep(0.01)
        assert rx.events() == []
        rx.status = 200
        rx.up()
        svc.deliverer.drain(timeout=20)
        stages = [e["data"]["stageId"] for e in rx.events()]
        assert stages == ["A", "B", "C", "D"]
        assert all(r.verified for r in rx.received)
        log = delivery_log(svc.engine, sub.id, limit=500)
        assert any(not e["success"] for e in log) and sum(e["success"] for e in log) == 4
    finally:
        rx.close()


def test_retries_give_up_after_the_last_attempt(tmp_path: object) -> None:
    store = Store.open(f"{tmp_path}/giveup.db")
    opts = WebhookOptions(
        delivery_backoff=Backoff(base_seconds=1, max_attempts=3, time_scale=1e-3), outbound=LOCAL_RECEIVERS
    )
    svc = WebhookService.for_store(store, SecretBox(Fernet.generate_key()), options=opts)
    with RecordingReceiver(status=500) as rx:
        svc.subscriptions.create(TENANT, url=rx.url, connection_id=C)
        svc.outbox.enqueue_change(C, "department", {"id": "d1", "name": "Eng"}, "created")
        svc.deliverer.drain(timeout=5)
        assert svc.outbox.counts() == {"failed": 1}


def test_backoff_schedule_spans_hours() -> None:
    default = Backoff()
    assert default.delay(1) == 30 and default.delay(2) == 60 and default.delay(20) is None
    assert default.total_seconds() > 10 * 3600
    assert Backoff(time_scale=0.001).delay(3) == pytest.approx(0.12)


def test_events_carry_the_connections_custom_field_mapping() -> None:
    from ashby_connector.unified.fieldmap import FieldMapEntry
    from ashby_connector.webhooks.unified_events import build_events, registry_mapper

    def mapping_for(connection_id: str, model: str) -> list[FieldMapEntry]:
        return (
            [FieldMapEntry(unifiedField="seniority", ashbyFieldTitle="Seniority")]
            if model == "atsJob"
            else []
        )

    job = {
        "id": "j1",
        "title": "Engineer",
        "status": "Open",
        "customFields": [{"id": "cf1", "title": "Seniority", "value": "Senior"}],
    }
    events = build_events(registry_mapper(mapping_for), C, "job", job, "updated")
    assert [(e.type, e.data["customFields"]) for e in events] == [("atsJob.updated", {"seniority": "Senior"})]
