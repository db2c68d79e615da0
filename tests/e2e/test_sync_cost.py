"""Sync cost (issue 10) against the emulator, on SQLite and PostgreSQL: shared child lists keep
every link, derived and hinted child lists miss nothing, child policies, never older over newer."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ashby_connector.client import AshbyClient
from ashby_connector.core.resources.lazy_children import LazyChildren
from ashby_connector.emulator import EmulatorHandle, run_emulator
from ashby_connector.emulator.records.kinds import LIST_OP_KIND
from ashby_connector.errors import RateLimitError
from ashby_connector.store import Store
from ashby_connector.sync import Mode, SyncEngine
from ashby_connector.sync.policies import every_child
from tests.e2e.test_sync_cli import cli, sync_args


@pytest.fixture
def store(db_store: Store) -> Store:
    """SQLite and PostgreSQL."""
    return db_store


def _client(emu: EmulatorHandle) -> AshbyClient:
    return AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None)


def _all(client: AshbyClient, operation: str, body: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [r for page in client.pages(operation, body) for r in page.results]


def test_every_candidate_project_link_is_stored(fresh_emulator: EmulatorHandle, store: Store) -> None:
    with _client(fresh_emulator) as client:
        candidates = _all(client, "candidate.list")
        project = _all(client, "project.list")[0]
        for cand in candidates[:5]:  # one project shared by several candidates
            client.call("candidate.addProject", {"candidateId": cand["id"], "projectId": project["id"]})
        expected = {
            (c["id"], p["id"])
            for c in candidates
            for p in _all(client, "candidate.listProjects", {"candidateId": c["id"]})
        }
        report = SyncEngine(
            client, store, streams=["candidate", "candidateProject"], children={"candidateProject": "eager"}
        ).run()
    assert report.ok, [(s.stream, s.error) for s in report.streams]
    stored = {(r.parent_id, r.id) for r in store.list("default", "candidateProject", limit=10_000).records}
    assert len([1 for _, p in expected if p == project["id"]]) >= 5
    assert stored == expected
    # Paging through a linked table visits every link once, even across the same project id.
    seen: list[tuple[str | None, str]] = []
    cursor = None
    while True:
        page = store.list("default", "candidateProject", limit=2, cursor=cursor)
        seen.extend((r.parent_id, r.id) for r in page.records)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen, key=str) == sorted(expected, key=str)


def test_interview_events_come_from_schedule_pages_at_no_cost(emulator: EmulatorHandle, store: Store) -> None:
    with _client(emulator) as client:
        report = SyncEngine(client, store, streams=["interviewSchedule", "interviewEvent"]).run()
        assert client.requests_sent.get("interviewEvent.list") == 0
        expected = {
            e["id"]: e
            for s in _all(client, "interviewSchedule.list")
            for e in _all(client, "interviewEvent.list", {"interviewScheduleId": s["id"]})
        }
    by = {s.stream: s for s in report.streams}
    assert report.ok and by["interviewEvent"].mode == "derived" and by["interviewEvent"].requests == 0
    stored = {r.id: r for r in store.list("default", "interviewEvent", limit=100_000).records}
    assert {i: r.raw for i, r in stored.items()} == expected
    assert all(r.parent_id == r.raw["interviewScheduleId"] for r in stored.values())


def test_fraud_checks_of_hinted_candidates_are_all_fetched(
    fresh_emulator: EmulatorHandle, store: Store
) -> None:
    state = fresh_emulator.state
    with _client(fresh_emulator) as client:
        for i in range(3):  # created through the API: no fraud status, so no fraud checks
            client.call("candidate.create", {"name": f"Unflagged {i}", "email": f"unflagged{i}@example.com"})
        candidates = _all(client, "candidate.list")
        flagged = [c["id"] for c in candidates[:4]]
        for n, cid in enumerate(flagged):
            client.call("candidate.setFraudStatus", {"candidateId": cid, "fraudStatus": "Unsure"})
            for k in range(n + 1):  # detected signals are what fraud checks record
                state.put(
                    LIST_OP_KIND["candidate.listFraudChecks"],
                    {
                        "id": f"fc-{cid}-{k}",
                        "candidateId": cid,
                        "createdAt": "2025-01-0{k + 1}T00:00:00.000Z",
                    },
                    parent=cid,
                )
        candidates = _all(client, "candidate.list")
        hinted = [c["id"] for c in candidates if c.get("fraudStatus")]
        truth = {
            (c["id"], f["id"])
            for c in candidates
            for f in _all(client, "candidate.listFraudChecks", {"candidateId": c["id"]})
        }
        before = client.requests_sent.get("candidate.listFraudChecks")
        report = SyncEngine(client, store, streams=["candidate", "candidateFraudCheck"]).run()
        asked = client.requests_sent.get("candidate.listFraudChecks") - before
    assert report.ok
    assert {(c, f"fc-{c}-0") for c in flagged} <= truth
    assert all(c in hinted for c, _ in truth)  # the hint never hides a candidate with checks
    stored = {(r.parent_id, r.id) for r in store.list("default", "candidateFraudCheck", limit=1000).records}
    assert stored == truth
    assert len(candidates) - len(hinted) >= 3
    assert asked == len(hinted)  # one request per hinted candidate, none for the others


def test_child_policies_on_a_first_run_and_after_parents_change(
    fresh_emulator: EmulatorHandle, store: Store
) -> None:
    policies = {"candidateNote": "eager", "applicationHistory": "changed", "candidateProject": "off"}
    with _client(fresh_emulator) as client:
        first = SyncEngine(client, store, children=policies).run()
        by = {s.stream: s for s in first.streams}
        candidates = store.count("default", "candidate")
        assert by["candidateNote"].requests == candidates
        assert (
            by["applicationHistory"].requests == 0 and by["applicationHistory"].mode == "changed (from now)"
        )
        assert by["candidateProject"].requests == 0 and by["candidateClientInfo"].mode == "lazy"
        assert store.count("default", "applicationHistory") == 0
        moved = fresh_emulator.control.mutate(kind="application", count=3, set={"source": None})
        fresh_emulator.control.mutate(kind="candidate", count=2, set={"company": "Moved Inc"})
        second = SyncEngine(client, store, children=policies).run()
        by = {s.stream: s for s in second.streams}
        assert by["applicationHistory"].requests == 3 and by["candidateNote"].requests == 2
        assert by["candidateProject"].requests == 0
        histories = {r.parent_id for r in store.list("default", "applicationHistory", limit=1000).records}
        assert histories == set(moved)
    assert first.usable_after is not None and first.usable_after <= first.duration
    assert first.usable_requests is not None and first.usable_requests < first.requests


def test_plan_matches_the_run_within_ten_percent(emulator: EmulatorHandle, store: Store) -> None:
    for children in (None, every_child("eager")):
        with _client(emulator) as client:
            plan = SyncEngine(client, store, children=children, mode=Mode.FULL).plan()
            report = SyncEngine(client, store, children=children, mode=Mode.FULL).run()
        assert abs(report.requests - plan.requests) <= 0.1 * report.requests, (
            plan.to_dict(),
            report.requests,
        )
        assert abs(report.usable_requests - plan.usable_requests) <= 0.1 * report.usable_requests


def test_an_old_page_never_reverts_a_newer_webhook_version(
    fresh_emulator: EmulatorHandle, store: Store
) -> None:
    with _client(fresh_emulator) as client:
        listed = _all(client, "candidate.list")
        newer = listed[0] | {"name": "Renamed By Webhook", "updatedAt": "2999-01-01T00:00:00.000Z"}
        store.upsert_records("default", "candidate", [newer])  # what the webhook processor stored
        report = SyncEngine(client, store, streams=["candidate"], mode=Mode.FULL).run()
    assert report.ok
    assert store.get("default", "candidate", newer["id"]) == newer
    assert store.get("default", "candidate", listed[1]["id"]) == listed[1]


def test_ctrl_c_stores_the_page_then_exits_130_and_the_rerun_resumes(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    with run_emulator(seed=5, candidates=150, rate_limit_per_minute=None) as emu:
        emu.control.set_faults("latency_ms:30")  # slow enough to be interrupted mid-way
        args = [*sync_args(emu, db), "--children", "candidateNote=eager,applicationHistory=eager"]
        cmd = [str(Path(sys.executable).parent / "ashby-connector"), *args]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        engine = sa.create_engine(db)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                time.sleep(0.2)
                try:
                    with engine.connect() as conn:
                        running = conn.execute(
                            sa.text(
                                "SELECT count(*) FROM sync_state WHERE stream = 'candidateNote' "
                                "AND run_mode IS NOT NULL AND run_pages > 3"
                            )
                        ).scalar_one()
                except sa.exc.OperationalError:
                    continue
                if running:
                    break
            proc.send_signal(signal.SIGINT)
            # The timeout guards against hanging; how quickly Ctrl-C stops is not this test's figure.
            out, _ = proc.communicate(timeout=60)
        finally:
            engine.dispose()
        assert proc.returncode == 130, out
        assert "interrupted: rerun to resume" in out
        emu.control.set_faults(None)
        code, again = cli(*args)
        assert code == 0, again
        assert "resumed" in again
    with Store.open(db) as copy:
        assert copy.count("default", "candidateNote") > 0
        states = {s.stream: s for s in copy.stream_states("default")}
        assert not states["candidateNote"].unfinished and not states["applicationHistory"].unfinished


def test_per_operation_budgets_keep_fan_out_under_the_lists_own_limit(fresh_emulator: EmulatorHandle) -> None:
    fresh_emulator.control.call("config", operation_rate_limits={"application.listHistory": 12})
    apps = fresh_emulator.state.kinds["application"]
    ids = [i for i, _ in zip(apps.ids(), range(12), strict=False)]
    with AshbyClient(
        fresh_emulator.api_key,
        base_url=fresh_emulator.base_url,
        rate_limit_per_minute=None,
        operation_rate_limits={"application.listHistory": 240},
    ) as client:
        started = time.monotonic()
        for app_id in ids:
            client.call("application.listHistory", {"applicationId": app_id})
        slowed = time.monotonic() - started
        started = time.monotonic()
        for _ in range(12):
            client.call("candidate.list", {"limit": 1})
        other = time.monotonic() - started
        assert client.requests_sent.get("application.listHistory") == 12  # no 429, no retry
        with pytest.raises(RateLimitError, match=r"application\.listHistory"):
            client.with_options(max_retries=0).call("application.listHistory", {"applicationId": ids[0]})
    assert slowed >= 1.5  # 4 a second after a burst of about 4
    assert other < slowed


def test_lazy_children_are_fetched_when_read_and_again_after_the_parent_changes(
    fresh_emulator: EmulatorHandle, store: Store
) -> None:
    with _client(fresh_emulator) as client:
        SyncEngine(client, store).run()  # candidateNote is lazy by default: no note fetched
        assert store.count("default", "candidateNote") == 0
        lazy = LazyChildren(store, lambda _connection_id: client)
        with_notes = next(
            c["id"]
            for c in _all(client, "candidate.list")
            if _all(client, "candidate.listNotes", {"candidateId": c["id"]})
        )
        truth = {n["id"]: n for n in _all(client, "candidate.listNotes", {"candidateId": with_notes})}
        before = client.requests_sent.get("candidate.listNotes")
        # due() says in one query what ensure() would fetch, parent by parent.
        assert lazy.due("default", "candidateNote", [with_notes, "no-such-candidate"]) == [with_notes]
        assert lazy.ensure("default", "candidateNote", with_notes) is True
        stored = store.list("default", "candidateNote", parent_id=with_notes, limit=100).records
        assert {r.id: r.raw for r in stored} == truth
        assert lazy.ensure("default", "candidateNote", with_notes) is False  # fresh: no request
        assert lazy.due("default", "candidateNote", [with_notes]) == []
        assert client.requests_sent.get("candidate.listNotes") - before == 1
        client.call("candidate.createNote", {"candidateId": with_notes, "note": "Added after the first read"})
        fresh_emulator.control.mutate(kind="candidate", ids=[with_notes], set={"company": "Changed Co"})
        SyncEngine(client, store).run()  # the parent changed after its notes were fetched
        assert lazy.due("default", "candidateNote", [with_notes]) == [with_notes]
        assert lazy.ensure("default", "candidateNote", with_notes) is True
        assert store.count("default", "candidateNote") == len(truth) + 1
        # Eager lists are the sync's: a read never fetches them.
        assert lazy.ensure("default", "candidateNote", with_notes) is False
        eager = LazyChildren(store, lambda _connection_id: client, lambda _c: {"candidateNote": "eager"})
        client.call("candidate.createNote", {"candidateId": with_notes, "note": "Not read lazily"})
        fresh_emulator.control.mutate(kind="candidate", ids=[with_notes], set={"company": "Again Co"})
        SyncEngine(client, store, children={"candidateNote": "off"}).run()
        assert eager.ensure("default", "candidateNote", with_notes) is False
        assert eager.due("default", "candidateNote", [with_notes]) == []


def test_sync_every_follows_the_child_policies_given_for_the_run(
    fresh_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    """``sync --every 15m --children candidateNote=off``: every run of the schedule follows them."""
    import threading

    from rich.console import Console

    from ashby_connector.cli._every import run_every

    stop = threading.Event()
    runs: list[Any] = []

    def on_run(run: Any) -> None:
        runs.append(run)
        stop.set()

    with Store.open(f"sqlite:///{tmp_path / 'every.db'}") as store:
        run_every(
            Console(file=open(tmp_path / "out.txt", "w")),  # noqa: SIM115
            store,
            lambda _c: _client(fresh_emulator),
            "default",
            every_seconds=3600,
            reconcile_every_seconds=3600,
            streams=["candidate", "candidateNote"],  # naming a child list asks for it, unless...
            children={"candidateNote": "off"},
            stop=stop,
            tick_seconds=0.1,
            on_run=on_run,
        )
        assert store.count("default", "candidate") > 0
        assert store.count("default", "candidateNote") == 0
    assert runs[0].status == "succeeded" and runs[0].report is not None
    notes = {s["stream"]: s for s in runs[0].report["streams"]}["candidateNote"]
    assert notes["mode"] == "off" and notes["requests"] == 0
