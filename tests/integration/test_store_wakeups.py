"""Background loops wake when work is queued: a ring in this process, a NOTIFY from another."""

from __future__ import annotations

import threading

import orjson
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from ashby_connector.store import Store
from ashby_connector.store.secrets import SecretBox
from ashby_connector.store.wakeups import INBOX, OUTBOX, SCHEDULES, IdleBackoff
from ashby_connector.webhooks import WebhookService, sign_ashby_body


def _event(n: int) -> bytes:
    app = {"id": f"app{n}", "updatedAt": "2026-01-01T10:00:00Z", "candidate": {"id": "k"}}
    return orjson.dumps(
        {"webhookActionId": f"w{n}", "action": "applicationUpdate", "data": {"application": app}}
    )


def test_the_idle_backoff_doubles_to_its_longest_and_restarts_after_work() -> None:
    idle = IdleBackoff(0.25, 1.0)
    assert [idle.idle() for _ in range(5)] == [0.25, 0.5, 1.0, 1.0, 1.0]
    idle.busy()
    assert idle.idle() == 0.25


def test_accepting_a_webhook_rings_the_inbox_bell_of_this_process(tmp_path: object) -> None:
    with Store.open(f"sqlite:///{tmp_path}/w.db") as store:
        bell, other = store.wakeups.bell(INBOX), store.wakeups.bell(OUTBOX)
        svc = WebhookService.for_store(store, SecretBox(Fernet.generate_key()))
        secret = svc.registry.ensure_secret("c1")
        assert not bell.wait(0)
        body = _event(1)
        assert svc.receive("c1", body, sign_ashby_body(secret, body)).status == "accepted"
        assert bell.wait(0)  # rung before the answer: the processor starts at once
        assert not other.wait(0)  # only the channel with work
        # A redelivery queues nothing, so it wakes nothing.
        assert svc.receive("c1", body, sign_ashby_body(secret, body)).status == "duplicate"
        assert not bell.wait(0)
        svc.close()


@pytest.mark.postgres
def test_work_queued_by_another_process_wakes_this_one_on_postgres(postgres_db: str) -> None:
    """Two stores on one database stand for two processes: the server's loop sleeps on its bell,
    the other process accepts an event; the NOTIFY sent with its commit wakes the loop."""
    server, worker = Store.open(postgres_db), Store.open(postgres_db, migrate=False)
    try:
        bell = server.wakeups.bell(INBOX)
        woke = threading.Event()
        waiter = threading.Thread(target=lambda: woke.set() if bell.wait(30) else None)
        # Nothing queued in a transaction that rolls back reaches anyone.
        with pytest.raises(RuntimeError), worker.transaction() as conn:
            worker.wakeups.notify(conn, INBOX)
            raise RuntimeError("rolled back")
        svc = WebhookService.for_store(worker, SecretBox(Fernet.generate_key()))
        secret = svc.registry.ensure_secret("c1")
        waiter.start()
        body = _event(1)
        assert svc.receive("c1", body, sign_ashby_body(secret, body)).status == "accepted"
        waiter.join(30)
        assert woke.is_set()
        with server.engine.connect() as conn:  # what woke it is visible to it
            assert conn.execute(sa.text("select count(*) from webhook_inbox")).scalar() == 1
        # Other channels were not rung by it.
        assert not server.wakeups.bell(SCHEDULES).wait(0)
        svc.close()
    finally:
        worker.close()
        server.close()
