"""End to end: a change in the emulator -> its signed webhook -> our receiver -> the store -> a
unified event at a subscriber on 127.0.0.1 with a valid Standard Webhooks signature."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa

from ashby_connector.client import AshbyClient
from ashby_connector.emulator import EmulatorHandle, run_emulator
from ashby_connector.store.schema_webhooks import webhook_inbox
from ashby_connector.webhooks import Backoff, sign_ashby_body
from ashby_connector.webhooks.service import WebhookService
from ashby_connector.webhooks.testing import RecordingReceiver
from tests.e2e.server_harness import Server, run_server


@dataclass
class World:
    emu: EmulatorHandle
    server: Server
    http: httpx.Client
    ashby: AshbyClient
    connection_id: str
    rx: RecordingReceiver
    used: set[str] = field(default_factory=set)

    @property
    def service(self) -> WebhookService:
        return self.server.core.webhooks

    def stored(self, kind: str, record_id: str, *, include_deleted: bool = False) -> dict[str, Any] | None:
        store = self.server.core.store
        return store.get(self.connection_id, kind, record_id, include_deleted=include_deleted)

    def deleted(self, kind: str, record_id: str) -> bool:
        row = self.server.core.store.get_record(self.connection_id, kind, record_id)
        return row is not None and row.deleted_at is not None

    def inbox_rows(self, webhook_action_id: str) -> int:
        t = webhook_inbox
        query = sa.select(sa.func.count()).where(t.c.webhook_action_id == webhook_action_id)
        with self.server.core.store.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def settled(self, *, deliveries: bool = True) -> None:
        """Wait until the server's own loops have applied every inbox row (and, with ``deliveries``,
        sent every queued event), as in a deployment. The test never runs the processor itself beside
        those loops: production never does, and a second processor racing the loop is not what these
        tests are about. (The deadline only guards against hanging.)"""
        inbox, outbox = self.service.inbox, self.service.outbox

        def idle() -> bool:
            if inbox.counts().get("pending", 0):
                return False
            return not deliveries or not outbox.counts().get("pending", 0)

        deadline = time.monotonic() + 60
        while not idle():
            assert time.monotonic() < deadline, f"not settled: {inbox.counts()} {outbox.counts()}"
            time.sleep(0.02)

    def events_of(self, event_type: str, record_id: str) -> list[dict[str, Any]]:
        return [e for e in self.rx.events() if e["type"] == event_type and e["data"]["id"] == record_id]

    def wait_event(self, event_type: str, record_id: str, check: Any = None) -> dict[str, Any]:
        def seen(_: list[dict[str, Any]]) -> bool:
            return any(check is None or check(e) for e in self.events_of(event_type, record_id))

        assert self.rx.wait_for(seen, timeout=20), f"no {event_type} for {record_id}: {self.rx.events()}"
        return next(e for e in self.events_of(event_type, record_id) if check is None or check(e))

    def subscribe(self, rx: RecordingReceiver, models: list[str]) -> str:
        """Subscribe ``rx`` to the connection's events of ``models``; returns the subscription id."""
        sub = self.http.post(
            "/subscriptions", json={"url": rx.url, "connectionId": self.connection_id, "models": models}
        )
        assert sub.status_code == 201, sub.text
        rx.secret = sub.json()["secret"]
        return str(sub.json()["id"])

    def stages(self, app: dict[str, Any]) -> dict[str, str]:
        plan = self.emu.state.get("interviewStage", app["currentInterviewStage"]["id"])["interviewPlanId"]
        return {
            s["type"] + ":" + s["title"]: s["id"]
            for s in self.emu.state.iter("interviewStage")
            if s.get("interviewPlanId") == plan
        }

    def active_app(self) -> dict[str, Any]:
        """An application in an ordinary active stage, without an offer, not used by another test."""
        with_offer = {o.get("applicationId") for o in self.emu.state.iter("offer")}
        for app in self.emu.state.iter("application"):
            stage = app.get("currentInterviewStage") or {}
            fresh = app["id"] not in with_offer and app["id"] not in self.used
            if app.get("status") == "Active" and stage.get("type") == "Active" and fresh:
                self.used.add(app["id"])
                return dict(app)
        raise AssertionError("no active application in the seeded organisation")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder: Path = tmp_path_factory.mktemp("webhooks-e2e")
    with (
        run_emulator(seed=5, candidates=40, rate_limit_per_minute=None, webhook_time_scale=0.001) as emu,
        run_server(emu.base_url, f"sqlite:///{folder}/e2e.db") as server,
        RecordingReceiver() as rx,
    ):
        http = server.tenant("acme")
        connection_id = server.connect(http, emu.api_key, sync=True)
        answer = http.post(f"/connections/{connection_id}/webhooks", json={"url": server.url})
        assert answer.status_code == 200, answer.text
        hooks = answer.json()["webhooks"]
        assert hooks and all(h["enabled"] for h in hooks), hooks  # Ashby's ping reached us and was answered
        sub = http.post(
            "/subscriptions",
            json={
                "url": rx.url,
                "connectionId": connection_id,
                "models": ["atsApplication", "atsOffer", "atsCandidate"],
            },
        )
        assert sub.status_code == 201, sub.text
        rx.secret = sub.json()["secret"]
        with AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None) as ashby:
            yield World(emu, server, http, ashby, connection_id, rx)
        http.close()


def test_stage_move_reaches_store_and_subscriber(world: World) -> None:
    app = world.active_app()
    target = next(
        sid
        for name, sid in world.stages(app).items()
        if name.startswith("Active:") and sid != app["currentInterviewStage"]["id"]
    )
    world.ashby.call("application.changeStage", {"applicationId": app["id"], "interviewStageId": target})
    event = world.wait_event("atsApplication.updated", app["id"], lambda e: e["data"]["stageId"] == target)
    assert world.stored("application", app["id"])["currentInterviewStage"]["id"] == target
    received = next(r for r in world.rx.received if r.event["id"] == event["id"])
    assert received.verified and received.headers["webhook-id"] == event["id"]


def test_hire_applies_once_despite_the_related_webhooks(world: World) -> None:
    app = world.active_app()
    hired = next(sid for name, sid in world.stages(app).items() if name.startswith("Hired:"))
    world.ashby.call("application.changeStage", {"applicationId": app["id"], "interviewStageId": hired})
    world.wait_event("atsApplication.updated", app["id"], lambda e: e["data"]["stageId"] == hired)
    assert world.stored("application", app["id"])["status"] == "Hired"
    world.emu.control.call("webhooks/wait")
    world.settled()
    # candidateHire, applicationUpdate and candidateStageChange share one webhookActionId: each was
    # handled, and together they made exactly one event for this change.
    hires = [e for e in world.events_of("atsApplication.updated", app["id"]) if e["data"]["stageId"] == hired]
    assert len(hires) == 1


def test_new_offer_then_deletion(world: World) -> None:
    app = world.active_app()
    process = world.ashby.call("offerProcess.start", {"applicationId": app["id"]})
    form = world.ashby.call("offer.start", {"offerProcessId": process["id"]})
    offer = world.ashby.call(
        "offer.create",
        {
            "offerProcessId": process["id"],
            "offerFormId": form["id"],
            "offerForm": {
                "fieldSubmissions": [
                    {"path": "salary", "value": "123000"},
                    {"path": "startDate", "value": "2026-03-01"},
                ]
            },
        },
    )
    world.wait_event("atsOffer.created", offer["id"])
    assert world.stored("offer", offer["id"]) is not None
    # Deleting the application takes its offer with it: offerDelete is the only way to learn that.
    world.ashby.call("application.delete", {"applicationId": app["id"]})
    world.wait_event("atsOffer.deleted", offer["id"])
    assert world.deleted("offer", offer["id"])


def test_candidate_merge_moves_applications_to_the_survivor(world: World) -> None:
    cands = [c for c in world.emu.state.iter("candidate") if c.get("applicationIds")]
    gone, kept = cands[-1], cands[-2]
    moved = list(gone["applicationIds"])
    world.emu.control.call("candidates/merge", deletedCandidateId=gone["id"], mergedCandidateId=kept["id"])
    world.wait_event("atsCandidate.deleted", gone["id"])
    assert world.deleted("candidate", gone["id"])
    for app_id in moved:
        world.wait_event("atsApplication.updated", app_id, lambda e: e["data"]["candidateId"] == kept["id"])
        assert world.stored("application", app_id)["candidate"]["id"] == kept["id"]
    # The payload carried two ids: one run re-reads candidates and applications (trigger webhook).
    deadline = time.monotonic() + 30
    while True:
        runs = world.http.get(
            "/syncs", params={"connectionId": world.connection_id, "trigger": "webhook"}
        ).json()["data"]
        settled = not world.server.core.syncs.webhook_runs.pending()
        if runs and settled and all(r["status"] not in ("queued", "running") for r in runs):
            break
        assert time.monotonic() < deadline, f"no finished webhook-triggered run: {runs}"
        time.sleep(0.1)
    assert [(r["status"], r["streams"]) for r in runs] == [("succeeded", ["application", "candidate"])]


def test_bad_signature_rejected_and_redelivery_applied_once(world: World) -> None:
    url = f"{world.server.url}/webhooks/ashby/{world.connection_id}"
    app = world.active_app()
    body = orjson.dumps(
        {
            "webhookActionId": "e2e-redelivery",
            "action": "applicationUpdate",
            "data": {"application": {**app, "updatedAt": "2099-01-01T00:00:00.000Z"}},
        }
    )
    assert httpx.post(url, content=body, headers={"Ashby-Signature": "sha256=" + "0" * 64}).status_code == 401
    assert httpx.post(url, content=body).status_code == 401
    assert world.inbox_rows("e2e-redelivery") == 0  # nothing was stored
    assert world.stored("application", app["id"])["updatedAt"] != "2099-01-01T00:00:00.000Z"
    secret = world.service.registry.secret_for(world.connection_id)
    assert secret is not None
    signed = {"Ashby-Signature": sign_ashby_body(secret, body)}
    first = httpx.post(url, content=body, headers=signed)
    again = httpx.post(url, content=body, headers=signed)
    assert (first.status_code, first.json()["status"]) == (200, "accepted")
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert world.inbox_rows("e2e-redelivery") == 1
    world.wait_event("atsApplication.updated", app["id"], lambda e: e["data"]["updatedAt"].startswith("2099"))
    world.settled()
    assert (
        len(
            [
                e
                for e in world.events_of("atsApplication.updated", app["id"])
                if e["data"]["updatedAt"].startswith("2099")
            ]
        )
        == 1
    )


def test_delivery_log_is_readable_through_the_server(world: World) -> None:
    subs = world.http.get("/subscriptions").json()["results"]
    assert len(subs) == 1
    log = world.http.get(f"/subscriptions/{subs[0]['id']}/deliveries").json()["results"]
    assert log and all(entry["success"] for entry in log)
    other = world.server.tenant("someone-else")
    assert other.get(f"/subscriptions/{subs[0]['id']}/deliveries").status_code == 404
    other.close()


def _signed_post(world: World, doc: dict[str, Any]) -> httpx.Response:
    secret = world.service.registry.secret_for(world.connection_id)
    assert secret is not None
    body = orjson.dumps(doc)
    url = f"{world.server.url}/webhooks/ashby/{world.connection_id}"
    return httpx.post(url, content=body, headers={"Ashby-Signature": sign_ashby_body(secret, body)})


def test_out_of_order_events_leave_the_newest_record(world: World) -> None:
    app = world.active_app()
    newer = {
        **app,
        "updatedAt": "2098-06-01T12:00:00.000Z",
        "currentInterviewStage": {"id": "s-new", "title": "New"},
    }
    older = {
        **app,
        "updatedAt": "2098-06-01T11:00:00.000Z",
        "currentInterviewStage": {"id": "s-old", "title": "Old"},
    }
    for action_id, record in (("ooo-newer", newer), ("ooo-older", older)):
        doc = {"webhookActionId": action_id, "action": "applicationUpdate", "data": {"application": record}}
        assert _signed_post(world, doc).status_code == 200
    world.wait_event("atsApplication.updated", app["id"], lambda e: e["data"]["stageId"] == "s-new")
    world.settled()
    assert world.stored("application", app["id"])["currentInterviewStage"]["id"] == "s-new"
    assert not world.events_of("atsApplication.updated", app["id"]) or all(
        e["data"]["stageId"] != "s-old" for e in world.events_of("atsApplication.updated", app["id"])
    )


def test_event_accepted_by_a_receiver_that_dies_is_applied_after_restart(world: World) -> None:
    # A second receiver over the same database accepts the event and dies before processing it;
    # the inbox is durable, so the (re)started processor applies it.
    from cryptography.fernet import Fernet

    from ashby_connector.store.secrets import SecretBox

    app = world.active_app()
    doomed = WebhookService.for_store(world.server.core.store, SecretBox(Fernet.generate_key()))
    doomed.registry.secret_for = world.service.registry.secret_for  # type: ignore[method-assign]
    record = {**app, "updatedAt": "2097-01-01T00:00:00.000Z"}
    body = orjson.dumps(
        {"webhookActionId": "crash-1", "action": "applicationUpdate", "data": {"application": record}}
    )
    secret = world.service.registry.secret_for(world.connection_id) or ""
    assert doomed.receive(world.connection_id, body, sign_ashby_body(secret, body)).status_code == 200
    del doomed  # killed: answered 200, processed nothing
    world.wait_event("atsApplication.updated", app["id"], lambda e: e["data"]["updatedAt"].startswith("2097"))
    assert world.stored("application", app["id"])["updatedAt"].startswith("2097")


def test_subscriber_down_then_up_receives_every_event_in_order(world: World) -> None:
    world.service.deliverer.backoff = Backoff(time_scale=1e-4)  # hours of retries in milliseconds
    app = world.active_app()
    current = app["currentInterviewStage"]["id"]
    stages = [sid for name, sid in world.stages(app).items() if name.startswith("Active:") and sid != current]
    world.rx.down()
    try:
        for sid in stages:
            world.ashby.call("application.changeStage", {"applicationId": app["id"], "interviewStageId": sid})
        world.emu.control.call("webhooks/wait")
        world.settled(deliveries=False)  # the subscriber is down: its events wait
        assert world.stored("application", app["id"])["currentInterviewStage"]["id"] == stages[-1]
    finally:
        world.rx.up()
    got = world.wait_event("atsApplication.updated", app["id"], lambda e: e["data"]["stageId"] == stages[-1])
    seen = [e["data"]["stageId"] for e in world.events_of("atsApplication.updated", app["id"])]
    assert seen[-len(stages) :] == stages, seen
    assert got["id"]


def test_sync_diffs_produce_events_for_models_ashby_never_pushes(world: World) -> None:
    from ashby_connector.sync import SyncEngine

    with RecordingReceiver() as rx:
        sub_id = world.subscribe(rx, ["atsDepartment", "genericUser"])
        dept_id = world.emu.control.ids("department", limit=1)[0]
        world.emu.control.mutate("department", ids=[dept_id], set={"name": "Renamed in Ashby"})
        engine = SyncEngine(
            world.ashby,
            world.server.core.store,
            world.connection_id,
            streams=["department", "user"],
            on_change=world.server.core.events.for_connection(world.connection_id),
        )
        assert engine.run().ok
        assert rx.wait_for(
            lambda events: any(e["type"] == "atsDepartment.updated" for e in events), timeout=20
        )
        event = next(e for e in rx.events() if e["type"] == "atsDepartment.updated")
        assert event["data"]["id"] == dept_id and event["data"]["name"] == "Renamed in Ashby"
        assert all(r.verified for r in rx.received)
        world.http.delete(f"/subscriptions/{sub_id}")


def test_post_syncs_turns_diffs_into_signed_events(world: World) -> None:
    """``POST /syncs`` runs on the server's runner with the connection's callback: a renamed
    department and user (Ashby pushes neither) reach the subscriber as signed unified events."""
    with RecordingReceiver() as rx:
        sub_id = world.subscribe(rx, ["atsDepartment", "genericUser"])
        dept_id = world.emu.control.ids("department", limit=2)[-1]
        user_id = world.emu.control.ids("user", limit=1)[0]
        world.emu.control.mutate("department", ids=[dept_id], set={"name": "Synced through POST"})
        world.emu.control.mutate("user", ids=[user_id], set={"firstName": "Renamed"})
        headers = {"X-Connection-Id": world.connection_id}
        started = world.http.post("/syncs", json={"streams": ["department", "user"]}, headers=headers)
        assert started.status_code == 202, started.text
        run_id = started.json()["id"]
        assert rx.wait_for(
            lambda events: {"atsDepartment.updated", "genericUser.updated"} <= {e["type"] for e in events},
            timeout=30,
        ), rx.events()
        dept = next(e for e in rx.events() if e["type"] == "atsDepartment.updated")
        assert dept["data"]["id"] == dept_id and dept["data"]["name"] == "Synced through POST"
        user = next(e for e in rx.events() if e["type"] == "genericUser.updated")
        assert user["data"]["id"] == user_id and user["data"]["firstName"] == "Renamed"
        assert rx.received and all(r.verified for r in rx.received)
        deadline = time.monotonic() + 30
        while (run := world.http.get(f"/syncs/{run_id}").json())["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, run
            time.sleep(0.05)
        assert run["status"] == "succeeded" and run["report"]["ok"], run
        world.http.delete(f"/subscriptions/{sub_id}")


def test_events_carry_the_connections_custom_field_mapping_end_to_end(world: World) -> None:
    """Mapped custom fields in events from an Ashby webhook and from a sync alike, as the REST API
    returns them: the mapping is wired once, in the core, for every source of change."""
    field = world.ashby.call(
        "customField.create",
        {"fieldType": "String", "objectType": "Application", "title": "Referral note (e2e)"},
    )
    mapped = world.http.put(
        f"/connections/{world.connection_id}/field-mappings/atsApplication",
        json={"entries": [{"unifiedField": "referralNote", "ashbyFieldId": field["id"]}]},
    )
    assert mapped.status_code == 200, mapped.text
    app = world.active_app()
    world.ashby.call(
        "customField.setValue",
        {
            "objectType": "Application",
            "objectId": app["id"],
            "fieldId": field["id"],
            "fieldValue": "Met at a meetup",
        },
    )
    target = next(
        sid
        for name, sid in world.stages(app).items()
        if name.startswith("Active:") and sid != app["currentInterviewStage"]["id"]
    )
    world.ashby.call("application.changeStage", {"applicationId": app["id"], "interviewStageId": target})
    pushed = world.wait_event("atsApplication.updated", app["id"], lambda e: e["data"]["stageId"] == target)
    assert pushed["data"]["customFields"] == {"referralNote": "Met at a meetup"}
    served = world.http.get(
        f"/resources/atsApplication/{app['id']}", headers={"X-Connection-Id": world.connection_id}
    )
    assert served.json()["data"]["customFields"] == pushed["data"]["customFields"]

    # A change Ashby sends no webhook for reaches subscribers through a sync, mapped the same way.
    world.ashby.call(
        "customField.setValue",
        {
            "objectType": "Application",
            "objectId": app["id"],
            "fieldId": field["id"],
            "fieldValue": "Changed later",
        },
    )
    run = world.http.post(
        "/syncs", json={"streams": ["application"]}, headers={"X-Connection-Id": world.connection_id}
    )
    assert run.status_code == 202, run.text
    synced = world.wait_event(
        "atsApplication.updated",
        app["id"],
        lambda e: e["data"]["customFields"].get("referralNote") == "Changed later",
    )
    assert synced["data"]["customFields"] == {"referralNote": "Changed later"}
