"""``ashby-connector sync`` is a run like any other: in the history with trigger ``cli``, under the
connection's lease, with its ``sync.finished`` event and its metric."""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from ashby_connector.cli import app
from ashby_connector.core.syncs.history import SyncHistory, SyncLease
from ashby_connector.core.syncs.modes import Mode, Trigger
from ashby_connector.emulator import EmulatorHandle
from ashby_connector.store import Store
from ashby_connector.store.schema_webhooks import webhook_outbox
from tests.e2e.server_harness import run_server


def _sync(emu: EmulatorHandle, db: str, connection_id: str, *extra: str) -> tuple[int, str]:
    out = CliRunner().invoke(
        app,
        [
            "sync",
            "--db",
            db,
            "--connection",
            connection_id,
            "--api-key",
            emu.api_key,
            "--base-url",
            emu.base_url,
            "--rate-limit",
            "0",
            "--streams",
            "user,department",
            "--json",
            *extra,
        ],
    )
    return out.exit_code, out.output


def test_a_one_shot_sync_is_in_the_servers_history_with_its_event(
    fresh_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    from ashby_connector.core.runtime import metrics

    db = f"sqlite:///{tmp_path / 'server.db'}"
    with run_server(fresh_emulator.base_url, db) as server:
        http = server.tenant("acme")
        connection_id = server.connect(http, fresh_emulator.api_key, sync=False)
        sub = http.post(
            "/subscriptions",
            json={
                "url": "http://127.0.0.1:9/hook",
                "connectionId": connection_id,
                "events": ["sync.finished"],
            },
        )
        assert sub.status_code == 201, sub.text

        code, out = _sync(fresh_emulator, db, connection_id)
        assert code == 0, out

        runs = http.get("/syncs", params={"connectionId": connection_id}).json()["data"]
        # The connection's first run: recorded as full (nothing to continue from).
        assert [(r["trigger"], r["mode"], r["status"]) for r in runs] == [("cli", "full", "succeeded")]
        assert runs[0]["fetched"] > 0
        with server.core.store.engine.connect() as conn:
            events = conn.execute(
                sa.select(webhook_outbox.c.event_type, webhook_outbox.c.payload).where(
                    webhook_outbox.c.connection_id == connection_id
                )
            ).all()
        assert [e.event_type for e in events] == ["sync.finished"]
        assert runs[0]["id"] in events[0].payload
    assert 'trigger="cli"' in metrics.render().decode()


def test_a_one_shot_sync_refuses_to_run_beside_a_running_one_or_waits_for_it(
    fresh_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'one.db'}"
    with Store.open(db) as store:
        history, lease = SyncHistory(store), SyncLease(store)
        going = history.create("acme", trigger=Trigger.SCHEDULE, mode=Mode.RECONCILE)
        history.started(going, "elsewhere:1:abc")
        assert lease.acquire("acme", "elsewhere:1:abc", going)

        code, out = _sync(fresh_emulator, db, "acme")
        assert code == 1
        assert f"a sync of acme is already running: {going} (schedule, reconcile" in out
        assert [r.id for r in history.page(["acme"]).runs] == [going]  # nothing ran, nothing recorded
        assert store.count("acme", "user") == 0

        # --wait: the command waits for that run to end, then syncs.
        released = threading.Timer(1.0, lambda: lease.release("acme", "elsewhere:1:abc"))
        released.start()
        try:
            code, out = _sync(fresh_emulator, db, "acme", "--wait")
        finally:
            released.cancel()
        assert code == 0, out
        latest = history.page(["acme"]).runs[0]
        assert (latest.trigger, latest.status) == ("cli", "succeeded")
        assert store.count("acme", "user") > 0
        assert not lease.held("acme")  # released when the run ended
