"""Applying inbox events to the store: once each, newest wins, partial refetched, deletes and merges."""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest
from cryptography.fernet import Fernet

from ashby_connector.store import Store
from ashby_connector.store.secrets import SecretBox
from ashby_connector.webhooks import Backoff, WebhookOptions, WebhookService, parse_envelope, sign_ashby_body
from ashby_connector.webhooks.testing import FakeAshby

C = "conn1"


class Env:
    def __init__(self, path: str) -> None:
        self.path = path
        self.ashby = FakeAshby()
        # The service's clock, moved by hand: a retry becomes due when the test says so.
        self.now = 1_767_225_600.0
        self.store = Store.open(path)
        self.svc = self._service()
        self.secret = self.svc.registry.ensure_secret(C)
        self.seq = 0

    def _service(self) -> WebhookService:
        opts = WebhookOptions(
            inbox_backoff=Backoff(base_seconds=0.05, cap_seconds=0.05, max_attempts=3), clock=lambda: self.now
        )
        return WebhookService.for_store(
            self.store, SecretBox(Fernet.generate_key()), client_for=lambda c: self.ashby, options=opts
        )

    def send(self, action: str, data: dict[str, Any], action_id: str | None = None) -> None:
        self.seq += 1
        body = orjson.dumps({"webhookActionId": action_id or f"w{self.seq}", "action": action, "data": data})
        assert self.svc.receive(C, body, sign_ashby_body(self.secret, body)).status_code == 200

    def raw(self, kind: str, rid: str) -> dict[str, Any] | None:
        return self.store.get(C, kind, rid)

    def deleted(self, kind: str, rid: str) -> bool:
        row = self.store.get_record(C, kind, rid)
        return row is not None and row.deleted_at is not None


@pytest.fixture
def env(tmp_path: object) -> Env:
    return Env(f"{tmp_path}/proc.db")


def app(updated: str, stage: str = "Screen", cand: str = "cand1", rid: str = "app1") -> dict[str, Any]:
    return {
        "id": rid,
        "updatedAt": updated,
        "currentInterviewStage": {"id": stage, "title": stage},
        "candidate": {"id": cand, "name": "Ada"},
        "status": "Active",
    }


def test_event_upserts_the_record_and_applying_twice_changes_nothing(env: Env) -> None:
    env.send("candidateStageChange", {"application": app("2026-01-01T10:00:00Z")}, action_id="a")
    env.svc.drain()
    assert env.raw("application", "app1")["currentInterviewStage"]["id"] == "Screen"
    assert env.svc.inbox.counts() == {"done": 1}
    # Apply the very same event again (as after a crash between applying and marking it done).
    again = {
        "webhookActionId": "a",
        "action": "candidateStageChange",
        "data": {"application": app("2026-01-01T10:00:00Z")},
    }
    assert env.svc.processor.apply(C, parse_envelope(orjson.dumps(again))) == "unchanged"


def test_older_event_never_overwrites_a_newer_record(env: Env) -> None:
    env.send("applicationUpdate", {"application": app("2026-01-01T12:00:00.000Z", stage="Onsite")})
    env.send("applicationUpdate", {"application": app("2026-01-01T11:00:00+00:00", stage="Screen")})
    env.svc.drain()
    assert env.raw("application", "app1")["currentInterviewStage"]["id"] == "Onsite"
    env.send("applicationUpdate", {"application": app("2026-01-01T13:00:00Z", stage="Offer")})
    env.svc.drain()
    assert env.raw("application", "app1")["currentInterviewStage"]["id"] == "Offer"


def test_partial_payload_is_completed_from_ashby(env: Env) -> None:
    env.ashby.records["off1"] = {
        "id": "off1",
        "applicationId": "app1",
        "acceptanceStatus": "Pending",
        "updatedAt": "2026-01-02T00:00:00Z",
    }
    env.send("offerCreate", {"offer": {"id": "off1"}})
    env.svc.drain()
    assert env.ashby.calls == [("offer.info", {"offerId": "off1"})]
    assert env.raw("offer", "off1")["acceptanceStatus"] == "Pending"


def test_hire_applies_application_and_offer_and_related_webhooks_are_harmless(env: Env) -> None:
    env.ashby.records["off1"] = {"id": "off1", "applicationId": "app1", "updatedAt": "2026-01-02T00:00:00Z"}
    hired = {**app("2026-01-02T00:00:00Z", stage="Hired"), "status": "Hired"}
    env.send("candidateHire", {"application": hired, "offer": {"id": "off1"}}, action_id="hire")
    env.send("applicationUpdate", {"application": hired}, action_id="hire")
    env.send("candidateStageChange", {"application": hired}, action_id="hire")
    env.svc.drain()
    assert env.svc.inbox.counts() == {"done": 3}
    assert env.raw("application", "app1")["status"] == "Hired"
    assert env.raw("offer", "off1") is not None


def test_deletes_mark_records_deleted(env: Env) -> None:
    env.store.upsert_records(C, "candidate", [{"id": "cand1", "name": "Ada"}])
    env.store.upsert_records(C, "offer", [{"id": "off1", "applicationId": "app1"}])
    env.store.upsert_records(C, "jobPosting", [{"id": "jp1", "title": "Eng"}])
    env.send("candidateDelete", {"candidate": {"id": "cand1"}})
    env.send("offerDelete", {"offer": {"id": "off1", "applicationId": "app1"}})
    env.send("jobPostingDelete", {"jobPosting": {"id": "jp1"}})
    env.svc.drain()
    assert (
        env.deleted("candidate", "cand1")
        and env.deleted("offer", "off1")
        and env.deleted("jobPosting", "jp1")
    )
    assert env.svc.inbox.counts() == {"done": 3}


def test_merge_deletes_the_merged_away_candidate_and_repoints_its_applications(env: Env) -> None:
    env.store.upsert_records(C, "candidate", [{"id": "gone", "name": "Ada L"}, {"id": "keep", "name": "Ada"}])
    env.store.upsert_records(
        C,
        "application",
        [
            app("2026-01-01T00:00:00Z", cand="gone", rid="appA"),
            app("2026-01-01T00:00:00Z", cand="keep", rid="appB"),
        ],
    )
    env.ashby.fail = RuntimeError("Ashby unreachable")
    env.send("candidateMerge", {"deletedCandidate": {"id": "gone"}, "mergedCandidate": {"id": "keep"}})
    env.svc.drain()
    # With Ashby unreachable the event is kept for a retry, not lost or half-applied.
    assert env.svc.inbox.counts() == {"pending": 1}
    assert not env.deleted("candidate", "gone")
    env.ashby.fail = None
    env.ashby.records["keep"] = {"id": "keep", "name": "Ada", "applicationIds": ["appA", "appB"]}
    env.now += 0.06  # the retry is due
    env.svc.drain()
    assert env.svc.inbox.counts() == {"done": 1}
    assert env.deleted("candidate", "gone")
    assert env.raw("application", "appA")["candidate"]["id"] == "keep"
    assert env.raw("application", "appB")["candidate"]["id"] == "keep"


def test_receiver_killed_between_inbox_write_and_processing_applies_after_restart(env: Env) -> None:
    env.send("applicationUpdate", {"application": app("2026-01-01T10:00:00Z")})
    env.svc.close()  # the process dies here: the answer was sent, nothing applied
    env.store.close()
    store = Store.open(env.path)
    restarted = WebhookService.for_store(store, SecretBox(Fernet.generate_key()))
    restarted.drain()
    assert store.get(C, "application", "app1") is not None
    assert restarted.inbox.counts() == {"done": 1}


def test_a_crash_between_queueing_the_event_and_writing_the_store_loses_nothing(env: Env) -> None:
    queued: list[tuple[str, str]] = []
    env.svc.processor.on_change_for = lambda cid: lambda kind, rec, change: queued.append((rec["id"], change))
    real_put = env.svc.processor.store.put_records

    def crash(*args: Any) -> None:
        raise OSError("killed")

    env.svc.processor.store.put_records = crash  # type: ignore[method-assign]
    # On the test's clock the retry is due only once the test moves it, so the first drain cannot
    # reach it while the store is still failing, however slow the machine.
    env.svc.processor.backoff = Backoff(base_seconds=1.0, cap_seconds=1.0, max_attempts=3)
    env.send("applicationUpdate", {"application": app("2026-01-01T10:00:00Z")})
    env.svc.drain()
    assert queued == [("app1", "created")] and env.raw("application", "app1") is None
    env.svc.processor.store.put_records = real_put  # type: ignore[method-assign]
    env.now += 1.05
    env.svc.drain()
    # Applied on the retry, and the event was queued again with the same content (same id).
    assert env.raw("application", "app1") is not None
    assert queued == [("app1", "created"), ("app1", "created")]


def test_webhooks_a_payload_cannot_cover_ask_for_one_run_of_their_lists_after_the_batch(env: Env) -> None:
    asked: list[tuple[str, tuple[str, ...]]] = []
    env.svc.processor.on_follow_up = lambda connection_id, streams: asked.append((connection_id, streams))
    env.send("candidateMerge", {"deletedCandidate": {"id": "c1"}, "mergedCandidate": {"id": "c2"}})
    env.send("interviewPlanTransition", {"jobId": "job1", "interviewStageMappings": []})
    answers = {"id": "s1", "surveyType": "Questionnaire", "submittedValues": {"q": "yes"}}
    env.send("surveySubmit", {"surveySubmission": answers})
    env.send("applicationUpdate", {"application": app("2026-01-01T10:00:00Z")})
    env.svc.drain()
    # One request for the connection after its batch: the union of the lists (the survey carried
    # its answers and the application update was whole: neither asks for anything).
    assert asked == [(C, ("application", "candidate", "interviewPlan", "interviewStage"))]
    asked.clear()
    env.send("surveySubmit", {"surveySubmission": {"id": "s2", "surveyType": "Questionnaire"}})
    env.svc.drain()
    assert asked == [(C, ("surveySubmission",))]


def test_drain_beside_the_running_loop_stores_every_event_and_the_loop_keeps_storing(env: Env) -> None:
    """``drain()`` (the CLI's ``--once``, tests) racing the server's processing loop: batches never
    interleave, so nothing is applied into an overlay that is then dropped."""
    import threading

    env.svc.options.process_batch = 2  # small loop batches: many chances to meet a drain
    env.svc.start(deliver=False)
    stop = threading.Event()

    def drain_repeatedly() -> None:
        while not stop.is_set():
            env.svc.processor.process_pending(3)

    drainers = [threading.Thread(target=drain_repeatedly) for _ in range(3)]
    for thread in drainers:
        thread.start()
    try:
        ids = [f"app{i:02d}" for i in range(50)]
        for rid in ids:
            env.send("applicationUpdate", {"application": app("2026-01-01T10:00:00Z", rid=rid)})
        deadline = time.monotonic() + 60
        while env.svc.inbox.counts().get("done", 0) < 50 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        for thread in drainers:
            thread.join()
    try:
        assert env.svc.inbox.counts() == {"done": 50}
        stored = [rid for rid in ids if env.raw("application", rid) is not None]
        assert len(stored) == 50, f"{len(stored)} of 50 stored"
        # The loop still writes to the store (it was not left holding a dead overlay).
        env.send("applicationUpdate", {"application": app("2026-01-01T10:00:00Z", rid="after")})
        deadline = time.monotonic() + 30
        while env.raw("application", "after") is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert env.raw("application", "after") is not None
    finally:
        env.svc.stop()
