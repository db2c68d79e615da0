"""Every write changes state: the change shows in a later ``info``, in the ``list`` and in the
next incremental sync (no handler answers a made-up record)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e._emulator_extras import Api, emulator_api

Rec = dict[str, Any]


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with emulator_api(seed=41, candidates=30) as a:
        yield a


def _sync_token(api: Api, op: str, body: Rec) -> str:
    cursor: str | None = None
    while True:
        data = api.call(op, {**body, **({"cursor": cursor} if cursor else {})})
        assert data["success"] is True, data
        if not data.get("moreDataAvailable"):
            return str(data["syncToken"])
        cursor = data["nextCursor"]


def _incremental_ids(api: Api, op: str, body: Rec, token: str) -> set[str]:
    ids: set[str] = set()
    cursor: str | None = None
    while True:
        page = {**body, "syncToken": token, **({"cursor": cursor} if cursor else {})}
        data = api.call(op, page)
        assert data["success"] is True, data
        ids |= {r["id"] for r in data["results"]}
        if not data.get("moreDataAvailable"):
            return ids
        cursor = data["nextCursor"]


def _listed(api: Api, op: str, body: Rec, ident: str) -> Rec:
    found = [r for r in api.ok(op, body) if r["id"] == ident]
    assert found, f"{ident} missing from {op}"
    return found[0]


@dataclass
class Case:
    name: str
    kind_list: str  # the list operation of the kind written
    list_body: Rec
    info: tuple[str, str] | None  # (info operation, id parameter)
    target: Callable[[Api], str]  # picks the record to write
    write: Callable[[Api, str], None]  # performs the write(s)
    check: Callable[[Rec], bool]  # holds on the record after the write
    synced: bool = True  # the list takes syncToken


def _first(
    op: str, body: Rec | None = None, pred: Callable[[Rec], bool] = lambda r: True
) -> Callable[[Api], str]:
    def pick(api: Api) -> str:
        return str(next(r for r in api.ok(op, body or {}) if pred(r))["id"])

    return pick


def _new_job(api: Api) -> str:
    dept = api.ok("department.list", {})[0]["id"]
    loc = api.ok("location.list", {})[0]["id"]
    return str(api.ok("job.create", {"title": "Status Walk", "teamId": dept, "locationId": loc})["id"])


def _walk_statuses(api: Api, job_id: str) -> None:
    # Draft -> Open -> Closed -> Draft -> Archived -> Draft -> Archived (every legal transition).
    for status in ("Open", "Closed", "Draft", "Archived", "Draft", "Open", "Closed", "Archived"):
        assert api.ok("job.setStatus", {"jobId": job_id, "status": status})["status"] == status
        assert api.ok("job.info", {"id": job_id})["status"] == status
    # Archived -> Open is illegal: refused, and the state stays Archived.
    data = api.call("job.setStatus", {"jobId": job_id, "status": "Open"})
    assert data["success"] is False, data
    assert api.ok("job.info", {"id": job_id})["status"] == "Archived"


def _call(op: str, make: Callable[[str], Rec]) -> Callable[[Api, str], None]:
    def run(api: Api, ident: str) -> None:
        api.ok(op, make(ident))

    return run


def _pool_user(api: Api) -> str:
    return str(api.ok("user.list", {})[-1]["id"])


def _pool_add_remove(api: Api, pool_id: str) -> None:
    users = api.ok("user.list", {})
    keep, drop = users[-1]["id"], users[-2]["id"]
    api.ok("interviewerPool.addUser", {"interviewerPoolId": pool_id, "userId": keep})
    api.ok("interviewerPool.addUser", {"interviewerPoolId": pool_id, "userId": drop})
    api.ok("interviewerPool.removeUser", {"interviewerPoolId": pool_id, "userId": drop})


def _pool_members(rec: Rec) -> set[str]:
    out: set[str] = set()
    for key in ("users", "interviewers", "qualifiedMembers", "trainees"):
        for m in rec.get(key) or []:
            if isinstance(m, dict):
                out.add(str(m.get("id") or m.get("userId")))
    return out


def _custom_field(api: Api) -> Rec:
    fields = api.ok("customField.list", {})
    return next(
        f
        for f in fields
        if f.get("objectType") == "Candidate" and f.get("fieldType") == "String" and not f.get("isArchived")
    )


def _set_custom(api: Api, cand_id: str) -> None:
    field = _custom_field(api)
    body = {"objectType": "Candidate", "objectId": cand_id, "fieldId": field["id"], "fieldValue": "written"}
    api.ok("customField.setValue", body)


CASES = [
    Case(
        "job.update",
        "job.list",
        {},
        ("job.info", "id"),
        _first("job.list"),
        _call("job.update", lambda i: {"jobId": i, "title": "Renamed Job"}),
        lambda r: r["title"] == "Renamed Job",
    ),
    Case(
        "job.setStatus",
        "job.list",
        {"status": ["Archived"]},
        ("job.info", "id"),
        _new_job,
        _walk_statuses,
        lambda r: r["status"] == "Archived",
    ),
    Case(
        "candidateTag.archive",
        "candidateTag.list",
        {"includeArchived": True},
        None,
        _first("candidateTag.list", {}, lambda r: not r.get("isArchived")),
        _call("candidateTag.archive", lambda i: {"tagId": i}),
        lambda r: r["isArchived"] is True,
    ),
    Case(
        "department.update",
        "department.list",
        {"includeArchived": True},
        ("department.info", "departmentId"),
        _first("department.list"),
        _call("department.update", lambda i: {"departmentId": i, "name": "Renamed Team"}),
        lambda r: r["name"] == "Renamed Team",
    ),
    Case(
        "department.archive",
        "department.list",
        {"includeArchived": True},
        ("department.info", "departmentId"),
        _first("department.list", {}, lambda r: not r.get("isArchived")),
        _call("department.archive", lambda i: {"departmentId": i}),
        lambda r: r["isArchived"] is True,
    ),
    Case(
        "location.updateName",
        "location.list",
        {"includeArchived": True},
        ("location.info", "locationId"),
        _first("location.list"),
        _call("location.updateName", lambda i: {"locationId": i, "name": "Renamed Office"}),
        lambda r: r["name"] == "Renamed Office",
    ),
    Case(
        "location.updateWorkplaceType",
        "location.list",
        {"includeArchived": True},
        ("location.info", "locationId"),
        _first("location.list"),
        _call("location.updateWorkplaceType", lambda i: {"locationId": i, "workplaceType": "Hybrid"}),
        lambda r: r.get("workplaceType") == "Hybrid",
    ),
    Case(
        "opening.update",
        "opening.list",
        {},
        ("opening.info", "openingId"),
        _first("opening.list"),
        _call("opening.update", lambda i: {"openingId": i, "description": "Updated opening"}),
        lambda r: (r.get("latestVersion") or r).get("description") == "Updated opening",
    ),
    Case(
        "opening.setArchived",
        "opening.list",
        {"includeArchived": True},
        ("opening.info", "openingId"),
        _first("opening.list", {}, lambda r: not r.get("isArchived")),
        _call("opening.setArchived", lambda i: {"openingId": i, "archive": True}),
        lambda r: r["isArchived"] is True,
    ),
    Case(
        "jobPosting.update",
        "jobPosting.list",
        {},
        ("jobPosting.info", "jobPostingId"),
        _first("jobPosting.list"),
        _call("jobPosting.update", lambda i: {"jobPostingId": i, "title": "Renamed Posting"}),
        lambda r: r["title"] == "Renamed Posting",
        synced=False,
    ),
    Case(
        "interviewerPool.addUser/removeUser",
        "interviewerPool.list",
        {},
        ("interviewerPool.info", "interviewerPoolId"),
        _first("interviewerPool.list"),
        _pool_add_remove,
        lambda r: len(_pool_members(r)) > 0,
    ),
    Case(
        "customField.setValue",
        "candidate.list",
        {},
        ("candidate.info", "id"),
        _first("candidate.list"),
        _set_custom,
        lambda r: any(f.get("value") == "written" for f in r.get("customFields", [])),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_write_is_visible_to_info_list_and_incremental_sync(api: Api, case: Case) -> None:
    ident = case.target(api)
    token = _sync_token(api, case.kind_list, case.list_body) if case.synced else None
    case.write(api, ident)
    if case.info is not None:
        op, param = case.info
        assert case.check(api.ok(op, {param: ident})), f"{op} does not show {case.name}"
    assert case.check(_listed(api, case.kind_list, case.list_body, ident)), f"list does not show {case.name}"
    if token is not None:
        changed = _incremental_ids(api, case.kind_list, case.list_body, token)
        assert ident in changed, f"incremental {case.kind_list} misses {case.name}"


def test_job_posting_compensation_is_stored(api: Api) -> None:
    posting = api.ok("jobPosting.list", {})[0]["id"]
    tier = {"id": "9b3c4f7e-0000-4000-8000-0000000000c1", "tierSummary": "$1", "components": []}
    api.ok("jobPosting.updateCompensation", {"jobPostingId": posting, "compensationTiers": [tier]})
    stored = api.ok("jobPosting.info", {"jobPostingId": posting})["compensation"]["compensationTiers"]
    assert [t["id"] for t in stored] == [tier["id"]]
    bad = api.call("jobPosting.updateCompensation", {"jobPostingId": posting, "compensationTiers": "x"})
    assert bad["success"] is False


def test_interviewer_pool_remove_user_takes_the_user_out(api: Api) -> None:
    pool = api.ok("interviewerPool.list", {})[0]["id"]
    user = _pool_user(api)
    api.ok("interviewerPool.addUser", {"interviewerPoolId": pool, "userId": user})
    assert user in _pool_members(api.ok("interviewerPool.info", {"interviewerPoolId": pool}))
    api.ok("interviewerPool.removeUser", {"interviewerPoolId": pool, "userId": user})
    assert user not in _pool_members(api.ok("interviewerPool.info", {"interviewerPoolId": pool}))


def test_writes_on_unknown_ids_answer_errors_not_records(api: Api) -> None:
    unknown = "9b3c4f7e-0000-4000-8000-00000000beef"
    for op, body in [
        ("job.update", {"jobId": unknown, "title": "x"}),
        ("job.setStatus", {"jobId": unknown, "status": "Open"}),
        ("candidateTag.archive", {"tagId": unknown}),
        ("department.update", {"departmentId": unknown, "name": "x"}),
        ("location.updateName", {"locationId": unknown, "name": "x"}),
        ("opening.update", {"openingId": unknown, "description": "x"}),
        ("jobPosting.update", {"jobPostingId": unknown, "title": "x"}),
        ("interviewerPool.addUser", {"interviewerPoolId": unknown, "userId": unknown}),
    ]:
        data = api.call(op, body)
        assert data["success"] is False, (op, data)
