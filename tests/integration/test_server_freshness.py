"""Schedules, sync status, history and force resync through the REST API; health and metrics."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from ashby_connector.core.syncs.modes import Mode, Trigger
from tests.integration.server_fakes import FakeAshby, harness

DEPARTMENTS = [{"id": "d1", "name": "Eng", "updatedAt": "2024-01-01T00:00:00Z"}]


def _wait(h: Any, conn: dict[str, str], run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while (run := h.http.get(f"/syncs/{run_id}", headers=conn).json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, run
        time.sleep(0.02)
    return dict(run)


def test_schedule_defaults_come_from_settings_and_put_changes_them(tmp_path: Path) -> None:
    with harness(tmp_path, schedule_incremental_minutes=30, schedule_reconcile_hours=6) as h:
        conn = h.connection(h.tenant())
        cid = conn["X-Connection-Id"]
        got = h.http.get(f"/connections/{cid}/schedule", headers=conn).json()
        assert got["incrementalEveryMinutes"] == 30 and got["reconcileEveryHours"] == 6
        assert got["paused"] is False and got["nextIncrementalAt"]
        put = h.http.put(
            f"/connections/{cid}/schedule",
            json={"incrementalEveryMinutes": 1, "reconcileEveryHours": 2, "paused": True},
            headers=conn,
        )
        assert put.status_code == 200, put.text
        again = h.http.get(f"/connections/{cid}/schedule", headers=conn).json()
        assert again == put.json() and again["paused"] and again["nextIncrementalAt"] is None
        bad = h.http.put(f"/connections/{cid}/schedule", json={"incrementalEveryMinutes": -1}, headers=conn)
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "incrementalEveryMinutes"
        typo = h.http.put(f"/connections/{cid}/schedule", json={"everyMinutes": 5}, headers=conn)
        assert typo.status_code == 422
        other = h.tenant("other")
        assert h.http.get(f"/connections/{cid}/schedule", headers=other).status_code == 404


def test_every_number_a_tenant_sets_is_bounded_and_a_refusal_names_it(tmp_path: Path) -> None:
    """1e-300 minutes was 12 runs a minute; NaN and infinities arrive as JSON literals Python reads."""
    with harness(tmp_path) as h:
        conn = h.connection(h.tenant())
        cid = conn["X-Connection-Id"]
        before = h.http.get(f"/connections/{cid}/schedule", headers=conn).json()
        cases = [
            ("incrementalEveryMinutes", "1e-300"),
            ("incrementalEveryMinutes", "0.01"),  # below this deployment's floor (0.05 in tests)
            ("incrementalEveryMinutes", "NaN"),
            ("incrementalEveryMinutes", "Infinity"),
            ("incrementalEveryMinutes", "-Infinity"),
            ("incrementalEveryMinutes", "1e309"),
            ("incrementalEveryMinutes", "10081"),
            ("reconcileEveryHours", "0.5"),
            ("reconcileEveryHours", "NaN"),
            ("reconcileEveryHours", "1e-300"),
            ("fastEverySeconds", "0.5"),
            ("fastEverySeconds", "NaN"),
            ("fastEverySeconds", "Infinity"),
            ("fastEverySeconds", "1e-300"),
        ]
        for field, literal in cases:
            answer = h.http.put(
                f"/connections/{cid}/schedule",
                content=f'{{"{field}": {literal}}}',
                headers={**conn, "Content-Type": "application/json"},
            )
            assert answer.status_code == 422, (field, literal, answer.text)
            assert answer.json()["error"]["field"] == field, (field, literal, answer.text)
        after = h.http.get(f"/connections/{cid}/schedule", headers=conn).json()
        kept = ("incrementalEveryMinutes", "reconcileEveryHours", "fastEverySeconds")
        assert {k: after[k] for k in kept} == {k: before[k] for k in kept}  # nothing was changed
        for path in ("/resources/genericContact", "/syncs", "/assessments"):
            for limit in ("0", "101" if path != "/syncs" else "201", "1e-300", "NaN"):
                answer = h.http.get(path, params={"limit": limit}, headers=conn)
                assert answer.status_code == 422, (path, limit, answer.text)
                assert "limit" in answer.text


def test_force_resync_history_and_status(tmp_path: Path) -> None:
    ashby = FakeAshby(scopes=None, results={"department.list": DEPARTMENTS, "location.list": []})
    with harness(tmp_path, ashby) as h:
        conn = h.connection(h.tenant())
        cid = conn["X-Connection-Id"]
        unknown = h.http.post("/syncs", json={"streams": ["department", "nope"]}, headers=conn)
        assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "streams"
        assert "nope" in unknown.json()["error"]["message"]
        assert h.http.get("/syncs", headers=conn).json()["data"] == []  # nothing was started
        first = h.http.post("/syncs", json={"streams": ["department"]}, headers=conn)
        assert first.status_code == 202 and first.json()["trigger"] == "manual", first.text
        run = _wait(h, conn, first.json()["id"])
        # A new connection's first run reads every list whole: it is recorded as full.
        assert run["status"] == "succeeded" and run["mode"] == "full"
        assert run["fetched"] == 1 and run["changed"] == 1 and run["requests"] >= 2 and run["errors"] == 0
        assert run["startedAt"] and run["finishedAt"] and run["report"]["ok"]
        second = h.http.post(
            "/syncs", json={"streams": ["department", "location"], "reconcile": True}, headers=conn
        )
        assert _wait(h, conn, second.json()["id"])["mode"] == "reconcile"
        history = h.http.get("/syncs", params={"connectionId": cid, "limit": 1}, headers=conn).json()
        assert [r["id"] for r in history["data"]] == [second.json()["id"]] and history["next"]
        rest = h.http.get("/syncs", params={"connectionId": cid, "cursor": history["next"]}, headers=conn)
        assert [r["id"] for r in rest.json()["data"]] == [first.json()["id"]] and rest.json()["next"] is None
        assert h.http.get("/syncs", params={"cursor": "zzz"}, headers=conn).status_code == 400
        other = h.tenant("other")
        assert h.http.get("/syncs", params={"connectionId": cid}, headers=other).status_code == 404
        status = h.http.get(f"/connections/{cid}/sync-status", headers=conn).json()
        dept = {s["stream"]: s for s in status["streams"]}["department"]
        assert dept["records"] == 1 and dept["lastSuccessAt"] and dept["lastError"] is None
        assert 0 <= dept["lagSeconds"] < 10 and dept["nextRunAt"] and dept["mode"] == "full"
        assert status["lastRun"]["id"] == second.json()["id"] and status["running"] is False
        assert h.http.get(f"/connections/{cid}", headers=conn).json()["lastSync"]["trigger"] == "manual"


def test_a_run_just_finished_does_not_refuse_the_next_but_a_going_one_does(tmp_path: Path) -> None:
    """Between a run's result reaching the history and its holder letting go of the lease, a
    caller who saw it succeed and asks again waits that moment out (it answered 409 before); a
    run still going is refused at once."""
    with harness(tmp_path, FakeAshby(scopes=None, results={"department.list": DEPARTMENTS})) as h:
        conn = h.connection(h.tenant())
        cid = conn["X-Connection-Id"]
        first = h.http.post("/syncs", json={"streams": ["department"]}, headers=conn).json()
        assert _wait(h, conn, first["id"])["status"] == "succeeded"
        lease = h.core.freshness.lease
        assert lease.acquire(cid, "finishing-holder", first["id"])  # the finished run, not yet let go
        letting_go = threading.Timer(0.3, lambda: lease.release(cid, "finishing-holder"))
        letting_go.start()
        second = h.http.post("/syncs", json={"streams": ["department"]}, headers=conn)
        letting_go.join()
        assert second.status_code == 202, second.text
        assert _wait(h, conn, second.json()["id"])["status"] == "succeeded"
        history = h.core.freshness.history
        going = history.create(cid, trigger=Trigger.MANUAL, mode=Mode.INCREMENTAL, status="running")
        assert lease.acquire(cid, "busy-holder", going)
        refused = h.http.post("/syncs", json={"streams": ["department"]}, headers=conn)
        assert refused.status_code == 409, refused.text
        lease.release(cid, "busy-holder")


def test_a_failed_stream_keeps_its_whole_error_in_status_and_history(tmp_path: Path) -> None:
    long_message = "department.list exploded: " + "detail " * 100
    ashby = FakeAshby(
        scopes=None,
        handler=lambda op, body: (
            (_ for _ in ()).throw(RuntimeError(long_message)) if op == "department.list" else None
        ),
    )
    with harness(tmp_path, ashby) as h:
        conn = h.connection(h.tenant())
        started = h.http.post("/syncs", json={"streams": ["department"]}, headers=conn)
        run = _wait(h, conn, started.json()["id"])
        assert run["status"] == "failed" and run["errors"] == 1
        status = h.http.get(f"/connections/{conn['X-Connection-Id']}/sync-status", headers=conn).json()
        dept = {s["stream"]: s for s in status["streams"]}["department"]
        assert dept["lastError"] and long_message.strip() in dept["lastError"]


def test_health_readiness_and_metrics_behind_a_token(tmp_path: Path) -> None:
    with harness(
        tmp_path, metrics_token="s3cret-metrics", scheduler="auto", scheduler_tick_seconds=0.05
    ) as h:
        assert h.http.get("/healthz").json() == {"status": "ok"}
        deadline = time.monotonic() + 5
        while (ready := h.http.get("/readyz")).status_code != 200:
            assert time.monotonic() < deadline, ready.text
            time.sleep(0.02)
        assert ready.json()["checks"] == {"database": "ok", "migrations": "ok", "scheduler": "ok"}
        assert h.http.get("/metrics").status_code == 401
        assert h.http.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        scraped = h.http.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics"})
        assert scraped.status_code == 200
        for family in (
            "ashby_requests_total",
            "ashby_rate_limited_total",
            "ashby_retries_total",
            "ashby_rate_budget_in_use_ratio",
            "ashby_sync_runs_total",
            "ashby_sync_lag_seconds",
            "ashby_webhook_inbox_depth",
            "ashby_webhook_inbox_age_seconds",
            "ashby_webhook_deliveries",
            "ashby_outbox_backlog",
            "ashby_partner_throttle_factor",
        ):
            assert f"# TYPE {family}" in scraped.text, family
        h.core.freshness.stop()
        h.core.freshness.scheduler.last_tick = time.time() - 3600  # type: ignore[union-attr]
        stale = h.http.get("/readyz")
        assert stale.status_code == 503 and stale.json()["checks"]["scheduler"] == "not running"


def test_no_metrics_route_without_a_token(tmp_path: Path) -> None:
    with harness(tmp_path) as h:
        assert h.http.get("/metrics").status_code == 404
        # No scheduler in this process and none elsewhere: not ready.
        assert h.http.get("/readyz").json()["checks"]["scheduler"] == "none alive"
