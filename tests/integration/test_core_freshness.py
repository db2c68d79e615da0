"""Schedules, the scheduler's exactly-once claim, run history, leases, status and retention."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from ashby_connector.core.freshness.fast_lane import FastLane, lane_on
from ashby_connector.core.freshness.retention import Retention
from ashby_connector.core.freshness.schedules import (
    ScheduleDefaults,
    ScheduleError,
    Scheduler,
    Schedules,
    check_fast_lane,
    check_schedule,
)
from ashby_connector.core.freshness.service import Freshness, FreshnessSettings
from ashby_connector.core.syncs.history import POLL_HOLDER_SUFFIX, SyncHistory, SyncLease
from ashby_connector.core.syncs.webhook_runs import WebhookRuns
from ashby_connector.store import Store, record_table, sync_lease


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(f"sqlite:///{tmp_path / 'fresh.db'}")
    yield s  # type: ignore[misc]
    s.close()


def test_new_connections_get_the_defaults_and_a_put_changes_them(store: Store) -> None:
    clock = Clock()
    schedules = Schedules(store, ScheduleDefaults(10, 12), clock=clock, rng=lambda: 0.5)
    assert schedules.ensure(["a", "b"]) == 2 and schedules.ensure(["a"]) == 0
    a = schedules.get("a")
    assert (a.incremental_every_minutes, a.reconcile_every_hours, a.paused) == (10, 12, False)
    # The first incremental run comes within a tenth of the interval; reconcile after a whole one.
    assert clock.now <= a.next_incremental_at <= clock.now + 60
    assert a.next_reconcile_at >= clock.now + 12 * 3600
    changed = schedules.put("a", incremental_every_minutes=1, paused=True)
    assert schedules.get("a") == changed and changed.paused and changed.incremental_every_minutes == 1
    assert changed.to_api()["nextIncrementalAt"] is None  # paused: nothing is next
    with pytest.raises(ScheduleError) as bad:
        schedules.put("a", incremental_every_minutes=0)
    assert bad.value.field == "incrementalEveryMinutes"
    assert schedules.get("a").incremental_every_minutes == 1  # a refused change keeps the old one


def test_a_deployments_schedules_are_at_least_a_minute_apart() -> None:
    check_schedule(1, 1, min_incremental_minutes=1.0)
    for minutes, hours, field in (
        (0.5, 24, "incrementalEveryMinutes"),
        (1e-300, 24, "incrementalEveryMinutes"),
        (float("nan"), 24, "incrementalEveryMinutes"),
        (float("inf"), 24, "incrementalEveryMinutes"),
        (15, 0.99, "reconcileEveryHours"),
        (15, float("-inf"), "reconcileEveryHours"),
    ):
        with pytest.raises(ScheduleError) as refused:
            check_schedule(minutes, hours, min_incremental_minutes=1.0)
        assert refused.value.field == field


def test_each_due_run_is_claimed_by_exactly_one_of_many_schedulers(store: Store) -> None:
    clock = Clock()
    schedules = Schedules(store, ScheduleDefaults(1, 24), clock=clock)
    started: list[tuple[str, str]] = []
    lock = threading.Lock()

    def dispatch(connection_id: str, kind: str) -> bool:
        with lock:
            started.append((connection_id, kind))
        return True

    connections = [f"c{i}" for i in range(5)]
    schedulers = [Scheduler(schedules, lambda: connections, dispatch, clock=clock) for _ in range(4)]
    schedulers[0].tick()
    clock.now += 120  # every connection is due once
    barrier = threading.Barrier(len(schedulers))

    def tick(s: Scheduler) -> None:
        barrier.wait()
        s.tick()

    threads = [threading.Thread(target=tick, args=(s,)) for s in schedulers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(started) == [(c, "incremental") for c in connections]
    started.clear()
    for s in schedulers:
        s.tick()
    assert started == []  # nothing is due again until the next interval
    clock.now += 25 * 3600
    schedulers[1].tick()
    assert sorted(started) == [(c, "reconcile") for c in connections]


def test_paused_schedules_and_unknown_connections_do_not_run(store: Store) -> None:
    clock = Clock()
    schedules = Schedules(store, clock=clock)
    started: list[str] = []
    scheduler = Scheduler(schedules, lambda: ["a", "b"], lambda c, k: started.append(c) or True, clock=clock)
    scheduler.tick()
    schedules.put("a", paused=True)
    clock.now += 3600
    result = scheduler.tick()
    assert started == ["b"] and result.started == [("b", "incremental")]
    assert scheduler.alive()


def test_a_run_skipped_by_dispatch_is_reported(store: Store) -> None:
    clock = Clock()
    scheduler = Scheduler(Schedules(store, clock=clock), lambda: ["a"], lambda c, k: False, clock=clock)
    scheduler.tick()
    clock.now += 3600
    assert scheduler.tick().skipped == [("a", "incremental")]


def test_history_pages_newest_first_with_counts(store: Store) -> None:
    history = SyncHistory(store)
    ids = []
    for i in range(5):
        run_id = history.create("c", trigger="schedule" if i % 2 else "manual", mode="incremental")
        history.started(run_id, "test")
        report = {"ok": i != 3, "requests": i, "fetched": 10 * i, "changed": i, "streams": []}
        if i == 3:
            report["streams"] = [{"stream": "candidate", "status": "failed", "error": "boom"}]
        history.finished(run_id, report)
        ids.append(run_id)
    history.create("other", trigger="manual", mode="full")
    first = history.page(["c"], limit=2)
    assert [r.id for r in first.runs] == [ids[4], ids[3]] and first.next_cursor
    assert first.runs[1].status == "failed" and first.runs[1].errors == 1
    assert first.runs[0].to_api()["fetched"] == 40 and first.runs[0].trigger == "manual"
    rest = history.page(["c"], limit=10, cursor=first.next_cursor)
    assert [r.id for r in rest.runs] == [ids[2], ids[1], ids[0]] and rest.next_cursor is None
    assert [r.trigger for r in history.page(["c"], trigger="schedule").runs] == ["schedule", "schedule"]
    with pytest.raises(ValueError):
        history.page(["c"], cursor="not-a-cursor")


def test_lease_is_exclusive_expires_and_is_released(store: Store) -> None:
    clock = Clock()
    lease = SyncLease(store, seconds=60, clock=clock)
    assert lease.acquire("c", "one")
    assert not lease.acquire("c", "two")
    assert lease.held("c") and lease.running_connections() == {"c"}
    clock.now += 61  # the holder died without releasing: the lease lapses
    assert lease.acquire("c", "two")
    assert not lease.renew("c", "one")
    lease.release("c", "two")
    with lease.hold("c", "three") as held:
        assert held
        with lease.hold("c", "four") as second:
            assert not second
    assert not lease.held("c")


def _expires(store: Store, connection_id: str) -> float:
    with store.engine.connect() as conn:
        return float(
            conn.execute(
                sa.select(sync_lease.c.expires_at).where(sync_lease.c.connection_id == connection_id)
            ).scalar_one()
        )


def _wait_until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_lost_lease_stops_its_holder_and_only_lapsed_runs_are_interrupted(store: Store) -> None:
    clock = Clock()
    lease = SyncLease(store, seconds=0.6, clock=clock)  # a heartbeat every 0.1 s
    history = SyncHistory(store)
    live_run = history.create("live", trigger="manual", mode="full")
    dead_run = history.create("dead", trigger="manual", mode="full")
    history.started(live_run, "a")
    history.started(dead_run, "gone")
    assert lease.acquire("dead", "gone", dead_run)
    with lease.hold("live", "a", live_run) as held:
        assert held and not held.lost.is_set()
        assert lease.interrupt_orphans() == 0  # both leases live: nobody's run is touched
        clock.now += 0.5
        assert lease.interrupt_orphans() == 0
        clock.now += 0.7  # "gone" stopped beating; "live" renews its lease (its heartbeat)
        _wait_until(lambda: _expires(store, "live") > clock.now)
        assert lease.interrupt_orphans() == 1
        statuses = {r.connection_id: r.status for r in history.page(["live", "dead"]).runs}
        assert statuses == {"live": "running", "dead": "interrupted"}
        clock.now += 10  # the heartbeat did not run in between: another process takes the lease
        assert lease.acquire("live", "b", "other")
        assert held.lost.wait(5)  # the holder learns at its next heartbeat and stops its run
    assert lease.held("live")  # the new holder's lease was not released by the old one


def _deleted(store: Store, record_id: str, days_ago: float) -> None:
    store.upsert_records("c", "candidate", [{"id": record_id, "updatedAt": "2024-01-01T00:00:00Z"}])
    table = record_table("candidate")
    with store.transaction() as conn:
        conn.execute(
            sa.update(table)
            .where(table.c.id == record_id)
            .values(deleted_at=datetime.now(UTC) - timedelta(days=days_ago))
        )


def test_retention_purges_records_deleted_long_ago_and_zero_keeps_them(store: Store) -> None:
    _deleted(store, "old", 31)
    _deleted(store, "recent", 2)
    store.upsert_records("c", "candidate", [{"id": "alive", "updatedAt": "2024-01-01T00:00:00Z"}])
    assert Retention(store, deleted_days=0).purge_deleted() == {}
    assert store.count("c", "candidate", include_deleted=True) == 3
    assert Retention(store).purge_deleted() == {"candidate": 1}
    assert store.get("c", "candidate", "old") is None
    assert store.count("c", "candidate", include_deleted=True) == 2
    with pytest.raises(ValueError):
        Retention(store, deleted_days=-1)


def test_status_per_stream(store: Store) -> None:
    clock = Clock()
    clock.now = datetime.now(UTC).timestamp()
    fresh = Freshness(
        store, FreshnessSettings(incremental_every_minutes=5), connections=lambda: ["c"], clock=clock
    )
    store.begin_run("c", "candidate", "full")
    store.save_page(
        "c",
        "candidate",
        "candidate",
        [{"id": "x", "updatedAt": "2024-01-01T00:00:00Z"}],
        None,
        finish=True,
        sync_token="tok",
    )
    store.begin_run("c", "candidateNote", "full")
    store.fail_stream("c", "candidateNote", "NotFoundError: the whole message, kept whole " + "x" * 300)
    clock.now += 90
    status = fresh.status.connection("c")
    by_stream = {s["stream"]: s for s in status["streams"]}
    cand = by_stream["candidate"]
    assert cand["mode"] == "incremental" and cand["records"] == 1 and cand["lastError"] is None
    assert 85 <= cand["lagSeconds"] <= 95 and cand["childPolicy"] is None and cand["nextRunAt"]
    note = by_stream["candidateNote"]
    assert note["lastError"].endswith("x" * 300) and note["lagSeconds"] is None
    assert note["childPolicy"] == "lazy" and note["mode"] == "resumable full"
    assert status["schedule"]["incrementalEveryMinutes"] == 5 and status["running"] is False


def test_the_fast_lane_polls_connections_with_webhooks_on_once_across_processes(db_store: Store) -> None:
    # On both databases: on PostgreSQL the lanes are the workers', claiming through the same row.
    store = db_store
    clock = Clock()
    schedules = Schedules(store, ScheduleDefaults(15, 24, fast_every_seconds=3), clock=clock)
    schedules.ensure(["hooked", "plain", "paused"])
    schedules.put("paused", paused=True)
    polled: list[tuple[str, list[str]]] = []
    done = threading.Event()
    lock = threading.Lock()

    def poll(connection_id: str, streams: list[str]) -> None:
        with lock:
            polled.append((connection_id, streams))
        done.set()

    hooked = {"hooked", "paused"}
    lanes = [
        FastLane(
            schedules, lambda: ["hooked", "plain", "paused"], poll, webhooks_on=lambda: hooked, clock=clock
        )
        for _ in range(3)
    ]
    try:
        for lane in lanes:  # three processes see the same due poll: one claims it
            assert lane.tick() > 0
        assert done.wait(5)
        for lane in lanes:
            lane.stop()
        assert polled == [("hooked", ["candidate", "job"])]
        # The next poll is an interval away; then it is due again.
        assert schedules.get("hooked").next_fast_at == clock.now + 3
        clock.now += 3
        done.clear()
        lanes[1].tick()
        assert done.wait(5)
        assert len(polled) == 2
    finally:
        for lane in lanes:
            lane.stop()


def test_fast_lane_settings_are_checked(store: Store) -> None:
    schedules = Schedules(store, ScheduleDefaults(15, 24), clock=Clock())
    assert check_fast_lane(3, ["candidate", "job", "candidate"]) == ("candidate", "job")
    for every, streams, field in (
        (0.5, ["candidate"], "fastEverySeconds"),
        (3, ["nope"], "fastStreams"),
        (3, ["candidateNote"], "fastStreams"),  # a child list: one request per parent
        (3, [], "fastStreams"),
    ):
        with pytest.raises(ScheduleError) as bad:
            schedules.put("a", fast_every_seconds=every, fast_streams=streams)
        assert bad.value.field == field
    off = schedules.put("a", fast_every_seconds=0)
    assert off.fast_requests_per_minute() == 0 and not lane_on(off, None)
    on = schedules.put("a", fast_every_seconds=6, fast_streams=["candidate"])
    assert schedules.get("a") == on and on.fast_requests_per_minute() == 10
    assert lane_on(on, None) and lane_on(on, {"a"}) and not lane_on(on, {"b"})


def test_a_run_waits_for_a_fast_poll_but_never_for_another_run(store: Store) -> None:
    lease = SyncLease(store)
    assert lease.acquire("c", "worker-1" + POLL_HOLDER_SUFFIX)
    assert lease.held("c") and not lease.busy("c")  # a poll: other runs are not refused
    released = threading.Timer(0.3, lambda: lease.release("c", "worker-1" + POLL_HOLDER_SUFFIX))
    released.start()
    with lease.hold("c", "worker-2") as held:  # waits the poll out
        assert held and lease.busy("c")
        # A poll never waits, and neither does a run behind another run.
        with lease.hold("c", "worker-3" + POLL_HOLDER_SUFFIX) as poll_held:
            assert not poll_held
        with lease.hold("c", "worker-4") as other:
            assert not other
    released.join()


def test_webhook_runs_coalesce_a_burst_into_one_run_and_retry_while_busy() -> None:
    now = [0.0]
    started: list[tuple[str, list[str]]] = []
    busy = [True]

    def start(connection_id: str, streams: list[str]) -> bool:
        if busy[0]:
            return False
        started.append((connection_id, streams))
        return True

    runs = WebhookRuns(start, settle_seconds=1, max_delay_seconds=5, retry_seconds=1, clock=lambda: now[0])
    try:
        for at, streams in ((0.0, ["candidate"]), (0.5, ["application"]), (0.9, ["candidate"])):
            now[0] = at
            runs.request("c", streams)
            runs.tick()
        assert started == []  # the burst is still going
        now[0] = 2.0
        runs.tick()  # settled, but another run holds the connection: retried
        assert started == [] and runs.pending() == {"c": ["application", "candidate"]}
        busy[0] = False
        now[0] = 3.0
        runs.tick()
        assert started == [("c", ["application", "candidate"])] and runs.pending() == {}
        # A steady trickle still starts a run within max_delay_seconds of its first request.
        for step in range(12):
            now[0] = 10.0 + step * 0.5
            runs.request("c", ["candidate"])
            runs.tick()
        assert started[1:] == [("c", ["candidate"])]
    finally:
        runs.stop()
