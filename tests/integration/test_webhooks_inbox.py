"""Inbound: signature first, then a durable, de-duplicating inbox write; processing happens later."""

from __future__ import annotations

import time

import orjson
import pytest
from cryptography.fernet import Fernet

from ashby_connector.store import Store
from ashby_connector.store.secrets import SecretBox
from ashby_connector.webhooks import SIGNATURE_HEADER, WebhookService, sign_ashby_body
from ashby_connector.webhooks.testing import FakeAshby


@pytest.fixture
def service(tmp_path: object) -> WebhookService:
    store = Store.open(f"{tmp_path}/inbox.db")
    svc = WebhookService.for_store(
        store, SecretBox(Fernet.generate_key()), client_for=lambda cid: FakeAshby()
    )
    svc.registry.ensure_secret("conn1")
    return svc


def _post(
    svc: WebhookService, doc: dict[str, object] | bytes, *, secret: str | None = None, conn: str = "conn1"
):
    body = doc if isinstance(doc, bytes) else orjson.dumps(doc)
    key = secret if secret is not None else svc.registry.secret_for(conn)
    signature = sign_ashby_body(key, body) if key else None
    return svc.receive(conn, body, signature)


APP = {"id": "app1", "updatedAt": "2026-01-01T00:00:00.000Z", "status": "Active", "candidate": {"id": "c1"}}


def test_signed_event_is_stored_before_the_answer_and_not_processed_inline(service: WebhookService) -> None:
    receipt = _post(
        service, {"webhookActionId": "w1", "action": "applicationUpdate", "data": {"application": APP}}
    )
    assert receipt.status_code == 200 and receipt.status == "accepted"
    assert service.inbox.counts() == {"pending": 1}
    # The store has not seen it yet: the worker applies it.
    assert service.processor.store.get_record("conn1", "application", "app1") is None
    service.drain()
    assert service.inbox.counts() == {"done": 1}
    assert service.processor.store.get_record("conn1", "application", "app1") is not None


def test_bad_or_missing_signature_answers_401_and_stores_nothing(service: WebhookService) -> None:
    doc = {"webhookActionId": "w1", "action": "applicationUpdate", "data": {"application": APP}}
    assert _post(service, doc, secret="not-the-secret").status_code == 401
    assert service.receive("conn1", orjson.dumps(doc), None).status_code == 401
    # An unknown (or deleted) connection has no secret: 404, so Ashby stops sending; nothing stored.
    assert _post(service, doc, conn="nobody").status_code == 404
    assert service.inbox.counts() == {}


def test_malformed_body_answers_400_ping_answers_200(service: WebhookService) -> None:
    assert _post(service, b"{not json").status_code == 400
    assert _post(service, {"action": "applicationUpdate", "data": {}}).status_code == 400
    ping = _post(service, {"webhookActionId": "p1", "action": "ping", "data": {"webhookActionType": "ping"}})
    assert ping.status_code == 200
    assert service.inbox.counts() == {}


def test_redelivery_is_recognised_and_related_webhooks_each_kept(service: WebhookService) -> None:
    app = {"webhookActionId": "w1", "action": "applicationUpdate", "data": {"application": APP}}
    assert _post(service, app).status == "accepted"
    assert _post(service, app).status == "duplicate"
    # candidateHire fires applicationUpdate and candidateStageChange under the same webhookActionId.
    stage = {**app, "action": "candidateStageChange"}
    assert _post(service, stage).status == "accepted"
    assert service.inbox.counts() == {"pending": 2}


def test_header_name_matches_ashby() -> None:
    assert SIGNATURE_HEADER == "Ashby-Signature"


def test_old_finished_rows_are_pruned_recent_ones_kept(service: WebhookService) -> None:
    from ashby_connector.webhooks.retention import prune

    _post(service, {"webhookActionId": "old", "action": "applicationUpdate", "data": {"application": APP}})
    service.drain()
    assert prune(service.engine, time.time())["inbox"] == 0  # still inside the de-duplication window
    assert prune(service.engine, time.time() + 8 * 86400)["inbox"] == 1
