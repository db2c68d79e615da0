"""What clients rely on from the emulator: pagination, incremental sync, auth, permissions,
toggles, limits, job status transitions and the invariants of writes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ashby_connector.emulator import EmulatorHandle
from ashby_connector.emulator.ratelimit import ReportLimiter


def call(emu: EmulatorHandle, op: str, body: dict[str, Any] | None = None, key: str | None = None) -> Any:
    resp = httpx.post(f"{emu.base_url}/{op}", json=body or {}, auth=(key or emu.api_key, ""), timeout=30)
    assert resp.headers["x-ashby-request-id"]
    return resp.json()


def walk(
    emu: EmulatorHandle, op: str, body: dict[str, Any] | None = None, key: str | None = None, limit: int = 100
) -> tuple[list[dict[str, Any]], str]:
    """Every page of a list; returns (records, syncToken of the last page)."""
    out: list[dict[str, Any]] = []
    req = {**(body or {}), "limit": limit}
    while True:
        page = call(emu, op, req, key)
        assert page["success"], page
        out.extend(page["results"])
        if not page["moreDataAvailable"]:
            return out, page.get("syncToken", "")
        assert "syncToken" not in page  # only the last page carries it
        req = {**(body or {}), "limit": limit, "cursor": page["nextCursor"]}
        if "syncToken" in (body or {}):
            req["syncToken"] = body["syncToken"]  # type: ignore[index]


# -- pagination and incremental sync -----------------------------------------------------------


def test_full_walk_returns_every_record_once_with_a_token_at_the_end(emulator: EmulatorHandle) -> None:
    records, token = walk(emulator, "candidate.list", limit=37)
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) == len(emulator.state.kinds["candidate"])
    assert token


def test_limit_is_capped_at_100(emulator: EmulatorHandle) -> None:
    page = call(emulator, "application.list", {"limit": 500})
    assert len(page["results"]) == 100 and page["moreDataAvailable"] is True


def test_incremental_returns_only_what_changed(fresh_emulator: EmulatorHandle) -> None:
    emu = fresh_emulator
    _, token = walk(emu, "candidate.list")
    assert walk(emu, "candidate.list", {"syncToken": token})[0] == []
    changed = emu.control.mutate("candidate", count=3, set={"position": "Changed"})
    records, token2 = walk(emu, "candidate.list", {"syncToken": token})
    assert sorted(r["id"] for r in records) == sorted(changed)
    assert all(r["position"] == "Changed" for r in records)
    assert token2 and token2 != token


def test_writes_move_updated_at_and_show_up_incrementally(fresh_emulator: EmulatorHandle) -> None:
    emu = fresh_emulator
    _, token = walk(emu, "department.list")
    dept = call(emu, "department.list")["results"][0]
    updated = call(emu, "department.update", {"departmentId": dept["id"], "name": "Renamed"})["results"]
    assert updated["updatedAt"] > dept["updatedAt"]
    created = call(emu, "department.create", {"name": "New team"})["results"]
    records, _ = walk(emu, "department.list", {"syncToken": token})
    assert {r["id"] for r in records} == {dept["id"], created["id"]}


def test_expired_and_invalid_tokens(fresh_emulator: EmulatorHandle) -> None:
    emu = fresh_emulator
    _, token = walk(emu, "candidate.list")
    first = call(emu, "candidate.list", {"limit": 5})
    bad = call(emu, "candidate.list", {"syncToken": token[:-3] + "abc"})
    assert bad["errorInfo"]["code"] == "sync_token_invalid"
    other = call(emu, "job.list", {"syncToken": token})
    assert other["errorInfo"]["code"] == "sync_token_invalid"
    assert call(emu, "candidate.list", {"cursor": "garbage"})["errorInfo"]["code"] == "invalid_next_cursor"
    emu.control.expire_tokens()
    assert call(emu, "candidate.list", {"syncToken": token})["errorInfo"]["code"] == "sync_token_expired"
    expired = call(emu, "candidate.list", {"cursor": first["nextCursor"]})
    assert expired["errorInfo"]["code"] == "next_cursor_expired"


def test_expire_tokens_of_one_stream_only(fresh_emulator: EmulatorHandle) -> None:
    emu = fresh_emulator
    _, cand_token = walk(emu, "candidate.list")
    _, job_token = walk(emu, "job.list")
    _, dept_token = walk(emu, "department.list")
    cand_cursor = call(emu, "candidate.list", {"limit": 5})["nextCursor"]
    assert emu.control.expire_tokens(kinds=["candidate"]) == ["candidate.list"]
    assert call(emu, "candidate.list", {"syncToken": cand_token})["errorInfo"]["code"] == "sync_token_expired"
    expired = call(emu, "candidate.list", {"cursor": cand_cursor})
    assert expired["errorInfo"]["code"] == "next_cursor_expired"
    assert call(emu, "job.list", {"syncToken": job_token})["success"] is True
    # Operation names work too; a new token of an expired stream is valid again.
    assert emu.control.expire_tokens(kinds=["job.list"]) == ["job.list"]
    assert call(emu, "job.list", {"syncToken": job_token})["errorInfo"]["code"] == "sync_token_expired"
    assert call(emu, "department.list", {"syncToken": dept_token})["success"] is True
    _, fresh = walk(emu, "candidate.list")
    assert call(emu, "candidate.list", {"syncToken": fresh})["success"] is True
    bad = httpx.post(
        f"{emu.base_url}/_emulator/expire_tokens",
        json={"kinds": ["nope"]},
        headers={"Authorization": f"Bearer {emu.admin_key}"},
    )
    assert bad.status_code == 400 and "nope" in bad.json()["error"]


def test_tokens_expire_after_the_configured_time(fresh_emulator: EmulatorHandle) -> None:
    emu = fresh_emulator
    _, token = walk(emu, "job.list")
    emu.control.configure(sync_token_ttl_seconds=0)
    assert call(emu, "job.list", {"syncToken": token})["errorInfo"]["code"] == "sync_token_expired"


def test_incremental_sync_too_large(fresh_emulator: EmulatorHandle) -> None:
    emu = fresh_emulator
    _, token = walk(emu, "candidate.list")
    emu.control.configure(incremental_too_large_threshold=2)
    emu.control.mutate("candidate", count=5)
    body = call(emu, "candidate.list", {"syncToken": token})
    assert body["success"] is False and body["errorInfo"]["code"] == "incremental_sync_too_large"


def test_child_lists_filter_by_parent(emulator: EmulatorHandle) -> None:
    state = emulator.state
    plan_id = next(iter(state.kinds["interviewPlan"].data))
    stages = call(emulator, "interviewStage.list", {"interviewPlanId": plan_id})["results"]
    assert stages and all(s["interviewPlanId"] == plan_id for s in stages)
    app_id = next(iter(state.kinds["application"].data))
    history = call(emulator, "application.listHistory", {"applicationId": app_id})["results"]
    assert {h["id"] for h in history} == set(state.children("applicationHistory", app_id))
    parent = next(iter(state.kinds["candidateNote"].parent_of.values()))
    notes = call(emulator, "candidate.listNotes", {"candidateId": parent})["results"]
    assert {n["id"] for n in notes} == set(state.children("candidateNote", parent))


# -- auth, permissions, toggles ----------------------------------------------------------------


def test_auth_as_ashby(emulator: EmulatorHandle) -> None:
    url = f"{emulator.base_url}/job.list"
    assert httpx.post(url, json={}).status_code == 401
    assert httpx.post(url, json={}, auth=("not-a-key", "")).status_code == 403
    assert httpx.post(url, json={}, auth=(emulator.api_key, "any password")).status_code == 200


def test_missing_permission_is_403_and_api_key_info_lists_scopes(emulator: EmulatorHandle) -> None:
    key = emulator.control.add_key(permissions=["jobsRead", "apiKeysRead"], title="Jobs only")
    resp = httpx.post(f"{emulator.base_url}/candidate.list", json={}, auth=(key, ""))
    assert resp.status_code == 403
    assert resp.json()["errorInfo"]["code"] == "missing_endpoint_permission"
    assert call(emulator, "job.list", key=key)["success"]
    info = call(emulator, "apiKey.info", key=key)["results"]
    assert info["title"] == "Jobs only" and sorted(info["scopes"]) == ["apiKeysRead", "jobsRead"]
    assert info["createdAt"]


def test_confidential_toggle_hides_jobs_applications_and_candidates(emulator: EmulatorHandle) -> None:
    state = emulator.state
    key = emulator.control.add_key(allow_confidential=False)
    conf_job = next(iter(state.kinds["job"].confidential))
    jobs, _ = walk(emulator, "job.list", key=key)
    assert conf_job not in {j["id"] for j in jobs}
    assert call(emulator, "job.info", {"id": conf_job}, key=key)["success"] is False
    assert call(emulator, "job.info", {"id": conf_job})["success"] is True
    apps, _ = walk(emulator, "application.list", key=key)
    assert not {a["id"] for a in apps} & state.kinds["application"].confidential
    everything, _ = walk(emulator, "application.list")
    assert len(everything) == len(apps) + len(state.kinds["application"].confidential)
    schedules, _ = walk(emulator, "interviewSchedule.list", key=key)
    assert not {s["applicationId"] for s in schedules} & state.kinds["application"].confidential


def test_private_fields_toggle(emulator: EmulatorHandle) -> None:
    state = emulator.state
    key = emulator.control.add_key(allow_private_fields=False)
    cands, _ = walk(emulator, "candidate.list", key=key)
    assert not any(f.get("isPrivate") for c in cands for f in c.get("customFields", []))
    fields = call(emulator, "customField.list", key=key)["results"]
    assert not any(f["isPrivate"] for f in fields)
    private_note = next(iter(state.kinds["candidateNote"].private))
    parent = state.kinds["candidateNote"].parent_of[private_note]
    notes = call(emulator, "candidate.listNotes", {"candidateId": parent}, key=key)["results"]
    assert private_note not in {n["id"] for n in notes}
    full = call(emulator, "candidate.listNotes", {"candidateId": parent})["results"]
    assert private_note in {n["id"] for n in full}


# -- limits ------------------------------------------------------------------------------------


def test_rate_limit_per_key(fresh_emulator: EmulatorHandle) -> None:
    emu = fresh_emulator
    emu.control.configure(rate_limit_per_minute=5)
    other = emu.control.add_key()
    codes = [
        httpx.post(f"{emu.base_url}/user.list", json={}, auth=(emu.api_key, "")).status_code for _ in range(7)
    ]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
    resp = httpx.post(f"{emu.base_url}/user.list", json={}, auth=(emu.api_key, ""))
    assert resp.json()["errorInfo"]["code"] == "rate_limit_exceeded"
    assert httpx.post(f"{emu.base_url}/user.list", json={}, auth=(other, "")).status_code == 200


def test_report_limits() -> None:
    limiter = ReportLimiter(per_minute=15, concurrent=3)
    for _ in range(3):
        limiter.start()
    with pytest.raises(Exception) as exc:
        limiter.start()
    assert getattr(exc.value, "code", "") == "concurrent_limit_exceeded"
    assert getattr(exc.value, "http_status", 0) == 429
    for _ in range(12):
        limiter.finish()
        limiter.start()
    limiter.finish()
    with pytest.raises(Exception) as exc2:
        limiter.start()
    assert getattr(exc2.value, "code", "") == "rate_limit_exceeded"


# -- semantics of writes -----------------------------------------------------------------------


def test_job_status_transitions(fresh_emulator: EmulatorHandle) -> None:
    emu = fresh_emulator
    team = call(emu, "department.list")["results"][0]["id"]
    loc = call(emu, "location.list")["results"][0]["id"]
    job = call(emu, "job.create", {"title": "Emulated role", "teamId": team, "locationId": loc})["results"]
    assert job["status"] == "Draft"

    def set_status(status: str) -> Any:
        return call(emu, "job.setStatus", {"jobId": job["id"], "status": status})

    assert set_status("Closed")["success"] is False
    for ok in ("Open", "Closed", "Draft", "Archived", "Draft"):
        body = set_status(ok)
        assert body["success"], (ok, body)
        assert body["results"]["status"] == ok
    assert set_status("Open")["success"]
    refused = set_status("Draft")
    assert refused["errorInfo"]["code"] == "invalid_input"
    assert refused["errorInfo"]["meta"]["field"] == "status"
    plan = call(emu, "jobInterviewPlan.info", {"jobId": job["id"]})["results"]
    assert plan["stages"][0]["type"] == "Lead"


def test_a_job_made_from_a_template_takes_its_plans(fresh_emulator: EmulatorHandle) -> None:
    emu = fresh_emulator
    team = call(emu, "department.list")["results"][0]["id"]
    loc = call(emu, "location.list")["results"][0]["id"]
    templates = call(emu, "jobTemplate.list")["results"]
    active = next(t for t in templates if t["status"] == "Active" and len(t["interviewPlanIds"]) > 1)
    body = {"title": "From a template", "teamId": team, "locationId": loc, "jobTemplateId": active["id"]}
    job = call(emu, "job.create", body)["results"]
    read = call(emu, "job.info", {"id": job["id"]})["results"]
    assert read["defaultInterviewPlanId"] == active["defaultInterviewPlanId"]
    assert read["interviewPlanIds"] == active["interviewPlanIds"]  # the organisation's plans, no new one
    inactive = next(t for t in templates if t["status"] == "Inactive")
    refused = call(emu, "job.create", {**body, "jobTemplateId": inactive["id"]})
    assert refused["success"] is False and refused["errorInfo"]["meta"]["field"] == "jobTemplateId"


def test_tag_titles_are_unique(fresh_emulator: EmulatorHandle) -> None:
    first = call(fresh_emulator, "candidateTag.create", {"title": "Fresh tag"})["results"]
    again = call(fresh_emulator, "candidateTag.create", {"title": "fresh tag"})["results"]
    assert again["id"] == first["id"]
    archived = call(fresh_emulator, "candidateTag.archive", {"tagId": first["id"]})["results"]
    assert archived["isArchived"] is True


def test_unknown_ids_answer_not_found(emulator: EmulatorHandle) -> None:
    body = call(emulator, "job.info", {"id": "00000000-0000-4000-8000-000000000000"})
    assert body["success"] is False and body["errorInfo"]["code"] == "job_not_found"


def test_list_filters(emulator: EmulatorHandle) -> None:
    jobs, _ = walk(emulator, "job.list", {"status": ["Open", "Closed"]})
    assert jobs and {j["status"] for j in jobs} <= {"Open", "Closed"}
    hired, _ = walk(emulator, "application.list", {"status": "Hired"})
    assert hired and all(a["status"] == "Hired" for a in hired)
    job_id = hired[0]["job"]["id"]
    for_job, _ = walk(emulator, "application.list", {"jobId": job_id})
    assert for_job and all(a["job"]["id"] == job_id for a in for_job)
    recent, _ = walk(emulator, "candidate.list", {"createdAfter": 1_760_000_000_000})
    everyone, _ = walk(emulator, "candidate.list")
    assert 0 < len(recent) < len(everyone)
    assert all(c["createdAt"] >= "2025-10-09" for c in recent)


def test_searches(emulator: EmulatorHandle) -> None:
    cand = call(emulator, "candidate.list", {"limit": 1})["results"][0]
    email = cand["primaryEmailAddress"]["value"]
    found = call(emulator, "candidate.search", {"email": email})["results"]
    assert [c["id"] for c in found] == [cand["id"]]
    by_name = call(emulator, "candidate.search", {"name": cand["name"]})["results"]
    assert cand["id"] in {c["id"] for c in by_name} and len(by_name) <= 100
    user = call(emulator, "user.list", {"limit": 1})["results"][0]
    assert call(emulator, "user.search", {"email": user["email"]})["results"][0]["id"] == user["id"]
    job = call(emulator, "job.list", {"limit": 1})["results"][0]
    assert job["id"] in {j["id"] for j in call(emulator, "job.search", {"title": job["title"]})["results"]}
