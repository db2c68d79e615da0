"""The same inbox, processor and outbox guarantees on PostgreSQL."""

from __future__ import annotations

import orjson
import pytest
from cryptography.fernet import Fernet

from ashby_connector.store import Store
from ashby_connector.store.secrets import SecretBox
from ashby_connector.webhooks import Backoff, WebhookOptions, WebhookService, sign_ashby_body
from ashby_connector.webhooks.testing import RecordingReceiver
from tests.outbound import LOCAL_RECEIVERS

pytestmark = pytest.mark.postgres


def test_inbox_processing_and_delivery_on_postgres(postgres_db: str) -> None:
    store = Store.open(postgres_db)
    opts = WebhookOptions(delivery_backoff=Backoff(time_scale=1e-4), outbound=LOCAL_RECEIVERS)
    svc = WebhookService.for_store(store, SecretBox(Fernet.generate_key()), options=opts)
    secret = svc.registry.ensure_secret("c1")

    def post(action_id: str, updated: str, stage: str) -> str:
        app = {
            "id": "app1",
            "updatedAt": updated,
            "currentInterviewStage": {"id": stage},
            "candidate": {"id": "k"},
        }
        body = orjson.dumps(
            {"webhookActionId": action_id, "action": "applicationUpdate", "data": {"application": app}}
        )
        receipt = svc.receive("c1", body, sign_ashby_body(secret, body))
        assert receipt.status_code == 200
        return str(receipt.status)

    with RecordingReceiver() as rx:
        _, rx.secret = svc.subscriptions.create(
            "t1", url=rx.url, connection_id="c1", models=["atsApplication"]
        )
        assert post("w2", "2026-01-01T12:00:00Z", "new") == "accepted"
        assert post("w1", "2026-01-01T11:00:00Z", "old") == "accepted"  # arrives late
        assert post("w2", "2026-01-01T12:00:00Z", "new") == "duplicate"
        svc.drain()
        assert store.get("c1", "application", "app1")["currentInterviewStage"]["id"] == "new"
        assert [e["data"]["stageId"] for e in rx.events()] == ["new"]
        assert all(r.verified for r in rx.received)
    store.close()
