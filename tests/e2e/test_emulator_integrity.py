"""Referential integrity of the generated organisation, read the way a client reads it.

Every list (child lists through their parents, stages through their plans) and every info
answer of the emulator is read over HTTP; every id-valued field in them (``fooId``, ``fooIds``,
``{primaryLocationId, secondaryLocationIds}``, the ids of embedded training paths and stages) must
resolve to a record some list or info answer returns. A real Ashby account has no dangling ids,
and a connector tested against one that does learns to tolerate what it should not.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ashby_connector import catalog
from ashby_connector.emulator import EmulatorHandle, run_emulator
from ashby_connector.emulator.records.kinds import KINDS

# Id fields naming something outside the organisation's records (another system's id, a request
# of the API itself, a calendar event), or ids the API never lists (an opening version, a form).
EXTERNAL = frozenset(
    {
        "interviewerCalendarEventId",
        "requestId",
        "externalId",
        "eventId",
        "organizationId",  # the organisation itself: no list of organisations
        "applicationFormDefinitionId",  # a posting's form, inside the posting
        "approvalDefinitionId",  # approval definitions have no list operation
        "relatedEntityId",  # checked by the relatedEntityType's kind below
    }
)
UUID_LEN = 36


def _looks_like_id(value: Any) -> bool:
    return isinstance(value, str) and len(value) == UUID_LEN and value.count("-") == 4


def _post(client: httpx.Client, op: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(f"/{op}", json=body).json()
    assert isinstance(answer, dict)
    return answer


def _list_all(client: httpx.Client, op: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    body = {**body, "limit": 100}
    while True:
        page = _post(client, op, body)
        assert page.get("success"), (op, body, page)
        results = page["results"]
        records.extend(results if isinstance(results, list) else [results])
        if not page.get("moreDataAvailable"):
            return records
        body = {**body, "cursor": page["nextCursor"]}


def _id_refs(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, id) for every id-valued field nested in ``value``."""
    if isinstance(value, dict):
        for key, sub in value.items():
            here = f"{path}.{key}" if path else key
            if key in EXTERNAL:
                continue
            if key.endswith("Id") and _looks_like_id(sub):
                yield here, sub
            elif key.endswith("Ids") and isinstance(sub, list):
                yield from ((here, s) for s in sub if _looks_like_id(s))
            elif (
                key in ("trainingPath", "trainingStage")
                and isinstance(sub, dict)
                and _looks_like_id(sub.get("id"))
            ):
                yield f"{here}.id", sub["id"]
                yield from _id_refs(sub, here)
            else:
                yield from _id_refs(sub, here)
    elif isinstance(value, list):
        for item in value:
            yield from _id_refs(item, path + "[]")


@pytest.fixture(scope="module")
def organisation() -> Iterator[EmulatorHandle]:
    with run_emulator(seed=5, candidates=300, rate_limit_per_minute=None) as handle:
        yield handle


@pytest.fixture(scope="module")
def answers(organisation: EmulatorHandle) -> dict[str, list[dict[str, Any]]]:
    """Every record of every list and info answer, by operation."""
    out: dict[str, list[dict[str, Any]]] = {}
    with httpx.Client(base_url=organisation.base_url, auth=(organisation.api_key, ""), timeout=60) as client:
        for kind in KINDS.values():
            if (
                kind.list_op
                and not kind.parent_field
                and kind.name not in ("interviewStage", "interviewEvent")
            ):
                op = catalog.operation(kind.list_op)
                # Lists that require a type are read once per type the spec allows.
                types = (
                    op.enum_values("surveyType")
                    if kind.name in ("surveyRequest", "surveySubmission")
                    else [None]
                )
                out[kind.list_op] = [
                    r for t in types for r in _list_all(client, kind.list_op, {"surveyType": t} if t else {})
                ]
        plans = [p["id"] for p in out["interviewPlan.list"]]
        out["interviewStage.list"] = [
            s for plan in plans for s in _list_all(client, "interviewStage.list", {"interviewPlanId": plan})
        ]
        out["interviewEvent.list"] = [
            e
            for schedule in out["interviewSchedule.list"]
            for e in _list_all(client, "interviewEvent.list", {"interviewScheduleId": schedule["id"]})
        ]
        parents = {
            "applicationId": [a["id"] for a in out["application.list"]],
            "candidateId": [c["id"] for c in out["candidate.list"]],
            "userId": [u["id"] for u in out["user.list"]],
        }
        for kind in KINDS.values():
            if kind.list_op and kind.parent_field:
                out[kind.list_op] = [
                    r
                    for parent in parents[kind.parent_field]
                    for r in _list_all(client, kind.list_op, {kind.parent_field: parent})
                ]
        for kind in KINDS.values():
            if kind.info_op and kind.info_id and kind.list_op:
                out[kind.info_op] = [
                    _post(client, kind.info_op, {kind.info_id: r["id"]})["results"]
                    for r in out[kind.list_op][:40]
                ]
        out["referralForm.info"] = [_post(client, "referralForm.info", {})["results"]]
    return out


def test_every_id_valued_field_resolves(answers: dict[str, list[dict[str, Any]]]) -> None:
    known = {r["id"] for records in answers.values() for r in records if isinstance(r.get("id"), str)}
    # Embedded records listed only inside others (an interviewer pool's training path and its
    # stages) are known through their container.
    for pool in answers["interviewerPool.list"]:
        path = pool.get("trainingPath") or {}
        known.add(path.get("id"))
        known.update(s["id"] for s in path.get("trainingStages") or [])
    dangling: dict[str, int] = {}
    checked = 0
    for op, records in answers.items():
        for record in records:
            for path, ref in _id_refs(record):
                checked += 1
                if ref not in known:
                    dangling[f"{op} {path}"] = dangling.get(f"{op} {path}", 0) + 1
    assert checked > 10_000
    assert not dangling, "\n".join(f"{k}: {v}" for k, v in sorted(dangling.items()))


# What a schema filler or a lazy generator writes; a real account never holds these.
PLACEHOLDERS = ("<p>Emulated content</p>", "emulated-", "Emulated ", "Plan for job", ": pending", "see notes")
# Company names and opaque handles of the emulated account (its own vocabulary, not filler).
OWN_NAMES = ("Emulated Org", "Emulated Labs", "emulated-org", "emulated-labs", "emulated-file-")


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _strings(sub, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, path + "[]")
    elif isinstance(value, str):
        yield path, value


def _without_own_names(text: str) -> str:
    for own in OWN_NAMES:
        text = text.replace(own, "")
    return text


def test_no_placeholder_values(answers: dict[str, list[dict[str, Any]]]) -> None:
    found = {
        f"{op} {path}": text
        for op, records in answers.items()
        for record in records
        for path, text in _strings(record)
        if any(p in _without_own_names(text) for p in PLACEHOLDERS)
    }
    assert not found, found


def test_interview_plans_are_shared_by_jobs_and_templates(answers: dict[str, list[dict[str, Any]]]) -> None:
    plans = {p["id"] for p in answers["interviewPlan.list"]}
    jobs = answers["job.list"]
    assert 2 <= len(plans) <= 8 < len(jobs) * 2
    users: dict[str, int] = {}
    for job in jobs:
        assert job["defaultInterviewPlanId"] in job["interviewPlanIds"]
        for plan in job["interviewPlanIds"]:
            users[plan] = users.get(plan, 0) + 1
    assert max(users.values()) >= 2, "no plan is shared"
    assert any(len(job["interviewPlanIds"]) == 2 for job in jobs), "no job has two plans"
    templates = answers["jobTemplate.list"]
    assert templates and all(t["defaultInterviewPlanId"] in plans for t in templates)
    # An application sits in a stage of one of its job's plans.
    plan_of_job = {job["id"]: set(job["interviewPlanIds"]) for job in jobs}
    for app in answers["application.list"]:
        assert app["currentInterviewStage"]["interviewPlanId"] in plan_of_job[app["job"]["id"]]


def test_locations_sit_in_their_region(answers: dict[str, list[dict[str, Any]]]) -> None:
    by_id = {loc["id"]: loc for loc in answers["location.list"]}
    parent_of = {
        loc["name"]: by_id[loc["parentLocationId"]]["name"]
        for loc in by_id.values()
        if "parentLocationId" in loc
    }
    assert parent_of["Berlin"] == parent_of["Paris"] == parent_of["London"] == "Europe"
    assert parent_of["Sydney"] == parent_of["Singapore"] == "Asia Pacific"
    assert parent_of["San Francisco"] == parent_of["Remote (US)"] == "North America"


def test_remote_postings_are_remote_and_sources_typed(answers: dict[str, list[dict[str, Any]]]) -> None:
    remote = {loc["id"] for loc in answers["location.list"] if loc.get("isRemote")}
    postings = answers["jobPosting.list"]
    ids = {p["id"] for p in postings}
    infos = [p for p in answers["jobPosting.info"] if p["id"] in ids]
    on_remote = [p for p in infos if p["locationIds"]["primaryLocationId"] in remote]
    assert on_remote, "no remote posting at this size"
    assert all(p["isRemote"] and p["workplaceType"] == "Remote" for p in on_remote)
    assert all(p["workplaceType"] != "Remote" for p in infos if p not in on_remote)
    kind_of = {s["title"]: s["sourceType"]["title"] for s in answers["source.list"]}
    assert kind_of["Indeed"] == "Inbound"
    assert kind_of["Conference"] == kind_of["Event"] == "Event"
    assert kind_of["Agency"] == "Agency" and kind_of["Referral"] == "Referral"


def test_offer_start_dates_are_date_times(answers: dict[str, list[dict[str, Any]]]) -> None:
    offers = answers["offer.list"]
    assert offers
    for offer in offers:
        assert offer["latestVersion"]["startDate"].endswith("T00:00:00.000Z"), offer["latestVersion"]


def test_stages_of_an_unknown_plan_are_not_found(organisation: EmulatorHandle) -> None:
    with httpx.Client(base_url=organisation.base_url, auth=(organisation.api_key, ""), timeout=60) as client:
        answer = _post(
            client, "interviewStage.list", {"interviewPlanId": "00000000-0000-4000-8000-000000000000"}
        )
    assert answer["success"] is False
    assert answer["errorInfo"]["code"] == "interview_plan_not_found"
