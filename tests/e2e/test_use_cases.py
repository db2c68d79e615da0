"""Every one of Knit's 99 Ashby use cases, end to end through the server against the emulator.

The table is ``ashby_connector/unified/use_cases.json`` (rendered in docs/use_cases.md): typed
through ``/resources`` where a unified model covers the use case, through ``/proxy`` otherwise.
Each row's ``expect`` lists the effect the use case describes, checked on the answer or on a read
back (``source``: a server resource or an Ashby operation through the proxy): a moved stage reads
back with the target stage, a search returns only matching records, a tag added shows on the
candidate, a file URL downloads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest

from ashby_connector import catalog
from ashby_connector.client import AshbyClient
from ashby_connector.emulator import run_emulator
from ashby_connector.unified.sources import values_at
from tests.e2e.server_harness import Server, run_server

USE_CASES: list[dict[str, Any]] = json.loads(
    resources.files("ashby_connector.unified").joinpath("use_cases.json").read_text("utf-8")
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, httpx.Client, dict[str, Any]]]:
    db = tmp_path_factory.mktemp("uc") / "server.db"
    with (
        run_emulator(seed=11, candidates=40, rate_limit_per_minute=None) as emu,
        run_server(emu.base_url, f"sqlite:///{db}") as server,
    ):
        http = server.tenant("use-cases")
        cid = server.connect(http, emu.api_key)
        http.headers["X-Connection-Id"] = cid
        with AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None) as ashby:
            ids = _prepare(ashby, http)
        yield server, http, ids
        http.close()


def _first(http: httpx.Client, model: str, **query: Any) -> dict[str, Any]:
    data = http.get(f"/resources/{model}", params={"limit": 1, **query}).json()["data"]
    assert data, f"the emulator has no {model} {query}"
    return dict(data[0])


def _prepare(ashby: AshbyClient, http: httpx.Client) -> dict[str, Any]:
    """Ids the use cases need: existing records, plus a few made for the writes."""
    ids: dict[str, Any] = {}
    cand = _first(http, "atsCandidate")
    ids |= {"candidate": cand["id"], "candidateName": (cand["name"] or "")[:4]}
    app = _first(http, "atsApplication", status="ACTIVE", includeRemoteData="true")
    ids |= {"application": app["id"], "applicationCandidate": app["candidateId"]}
    active = http.get("/resources/atsApplication", params={"status": "ACTIVE", "limit": 3}).json()["data"]
    ids |= {"offerApplication": active[1]["id"], "offerProcessApplication": active[2]["id"]}
    job = _first(http, "atsJob")
    ids |= {"job": job["id"], "jobTitle": job["title"], "jobLocation": job["locationId"]}
    ids["applicationJob"] = app["jobId"]
    user = _first(http, "genericUser")
    ids |= {"user": user["id"], "userEmail": user["email"]}
    # Users on neither the application's nor the job's hiring team, one per write that adds one.
    teams = {m["userId"] for m in app["remoteData"].get("hiringTeam", [])}
    teams |= {m["userId"] for m in ashby.call("job.info", {"id": job["id"]}).get("hiringTeam", [])}
    free = [u["id"] for u in http.get("/resources/genericUser").json()["data"] if u["id"] not in teams]
    ids |= dict(zip(("applicationTeamUser", "jobTeamUser", "newRecruiter"), free, strict=False))
    models = [
        ("department", "atsDepartment"),
        ("location", "atsLocation"),
        ("tag", "atsTag"),
        ("source", "atsSource"),
        ("interview", "scheduleEventType"),
        ("offer", "atsOffer"),
    ]
    for key, model in models:
        ids[key] = _first(http, model)["id"]
    current = app["remoteData"].get("currentInterviewStage") or {}
    stages = ashby.call("interviewStage.list", {"interviewPlanId": current.get("interviewPlanId")})
    ids["stage"] = next(s["id"] for s in stages if s["id"] != current.get("id") and s.get("type") == "Active")
    role = ashby.call("applicationHiringTeamRole.list", {})[0]
    ids["role"] = role["id"] if isinstance(role, dict) else role
    ids["pool"] = ashby.call("interviewerPool.create", {"title": "Prepared pool"})["id"]
    # Pools already in the state the removal and the restore undo, so no row depends on another.
    ids["poolWithUser"] = ashby.call("interviewerPool.create", {"title": "Pool with a member"})["id"]
    ashby.call("interviewerPool.addUser", {"interviewerPoolId": ids["poolWithUser"], "userId": user["id"]})
    ids["archivedPool"] = ashby.call("interviewerPool.create", {"title": "Archived pool"})["id"]
    ashby.call("interviewerPool.archive", {"interviewerPoolId": ids["archivedPool"]})
    opening = ashby.call("opening.create", {"identifier": "PREP-1", "jobIds": [job["id"]]})
    ids |= {"opening": opening["id"], "openingIdentifier": "PREP-1"}
    # Openings of their own for the writes whose effect the prepared one already shows.
    other_job = next(j["id"] for j in http.get("/resources/atsJob").json()["data"] if j["id"] != job["id"])
    ids["jobToUpdate"] = other_job  # renamed by its row, so searches by the prepared title still match
    own = (("openingToFill", "PREP-2", [other_job]), ("openingToArchive", "PREP-3", []))
    for key, identifier, jobs in own:
        ids[key] = ashby.call("opening.create", {"identifier": identifier, "jobIds": jobs})["id"]
    ids["feedbackForm"] = ashby.call("feedbackFormDefinition.list", {})[0]["id"]
    ids["surveyForm"] = ashby.call("surveyFormDefinition.list", {})[0]["id"]
    ids["jobPosting"] = ashby.call("jobPosting.list", {})[0]["id"]
    ids["referralForm"] = ashby.call("referralForm.info", {})["id"]
    for key in ("webhook", "webhookToDelete"):
        hook = {"webhookType": "candidateHire", "requestUrl": "https://example.com/h", "secretToken": "t0ken"}
        ids[key] = ashby.call("webhook.create", hook)["id"]
    uploads = [
        ("resumeHandle", "CandidateResume"),
        ("uploadHandle", "CandidateFiles"),
        ("attachedHandle", "CandidateFiles"),
    ]
    for key, context in uploads:
        ids[key] = _upload(ashby, context)
    # A file on the candidate, for the attachment use case (file handle + fresh download URL).
    ashby.call("candidate.uploadFile", {"candidateId": cand["id"], "fileHandle": ids["attachedHandle"]})
    fresh = http.get(f"/resources/atsCandidate/{cand['id']}", params={"live": "true"}).json()["data"]
    ids["fileId"] = fresh["attachments"][0]["id"]
    # Records made for the writes, so no use case depends on another's side effects.
    for key in ("newCandidate", "newCandidate2", "anonymizable"):
        ids[key] = http.post("/resources/atsCandidate", json={"name": f"Made for {key}"}).json()["data"]["id"]
    draft = ashby.call(
        "job.create", {"title": "Draft job", "teamId": ids["department"], "locationId": ids["location"]}
    )
    ids["draftJob"] = draft["id"]
    http.get(f"/resources/atsJob/{draft['id']}", params={"live": "true"})
    for key in ("newEvent", "eventToCancel"):
        times = {"startTime": "2030-03-01T10:00:00Z", "endTime": "2030-03-01T11:00:00Z"}
        event = http.post(
            "/resources/scheduleEvent",
            json={"applicationId": app["id"], "interviewerEmails": [user["email"]], **times},
        )
        assert event.status_code == 201, event.text
        ids[key] = event.json()["data"]["id"]
    field = ashby.call(
        "customField.create", {"fieldType": "String", "objectType": "Candidate", "title": "Level"}
    )
    http.put(
        f"/connections/{http.headers['X-Connection-Id']}/field-mappings/atsCandidate",
        json={"entries": [{"unifiedField": "level", "ashbyFieldId": field["id"]}]},
    )
    ids |= {"mappedField": "level", "mappedValue": "Senior"}
    return ids


def _upload(ashby: AshbyClient, context: str) -> str:
    """A file really uploaded to (emulated) storage: Ashby's handle flow."""
    content = b"%PDF-1.4 use case"
    slot = ashby.call(
        "file.createFileUploadHandle",
        {
            "filename": "cv.pdf",
            "contentType": "application/pdf",
            "contentLength": len(content),
            "fileUploadContext": context,
        },
    )
    answer = httpx.post(
        slot["url"], data=slot["fields"], files={"file": ("cv.pdf", content, "application/pdf")}
    )
    assert answer.status_code < 300, answer.text
    return str(slot["handle"])


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("$"):
        return ids[value[1:]]
    if isinstance(value, dict):
        return {_fill(k, ids): _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def test_the_table_covers_all_99_use_cases_and_the_rendered_doc_matches() -> None:
    assert len(USE_CASES) == 99 == len({u["id"] for u in USE_CASES})
    partner = {u["id"] for u in USE_CASES if u["via"] == "partner"}
    assert partner == {"post_start_assessment", "post_cancel_assessment"}
    doc = (Path(__file__).parents[2] / "docs" / "use_cases.md").read_text("utf-8")
    assert all(f"`{u['id']}`" in doc for u in USE_CASES)


def _is_write(case: dict[str, Any]) -> bool:
    if case["via"] == "proxy":
        return catalog.operation(case["operation"]).kind == "write"
    return bool(case.get("action") in ("create", "update", "delete"))


@pytest.mark.parametrize("case", [u for u in USE_CASES if u["via"] != "partner"], ids=lambda u: u["id"])
def test_use_case(case: dict[str, Any], world: tuple[Server, httpx.Client, dict[str, Any]]) -> None:
    _, http, ids = world
    assert case.get("expect"), f"{case['id']} states no effect to check"
    sourced = [c for c in case["expect"] if "source" in c]
    write = _is_write(case) and "expectAshbyError" not in case
    if write:
        # A write proves itself only by what reads back afterwards, and only if that was not
        # already so: read every effect's source first and require the call to change one.
        assert sourced or case.get("noReadBack"), (
            f"{case['id']}: a write checked only on its own echoed answer proves nothing"
        )
        before = [c for c in sourced if "$created" not in json.dumps(c)]
        held = [not _failures(case, [c], {}, http, ids) for c in before]
        assert not sourced or len(before) < len(sourced) or not all(held), (
            f"{case['id']}: proves nothing, its effect already held before the call"
        )
    answer = _call(case, http, ids)
    created = values_at(answer, "data.id") or values_at(answer, "results.id")
    scope = {**ids, "created": created[0]} if write and created else ids
    problems = _failures(case, case["expect"], answer, http, scope)
    assert not problems, "; ".join(problems)


def _call(case: dict[str, Any], http: httpx.Client, ids: dict[str, Any]) -> dict[str, Any]:
    if case["via"] == "proxy":
        answer = http.post(f"/proxy/{case['operation']}", json=_fill(case["body"], ids))
        assert answer.status_code == 200, answer.text
        envelope: dict[str, Any] = answer.json()
        if "expectAshbyError" in case:  # Ashby's refusal, passed through untouched
            assert envelope["success"] is False and envelope["errorInfo"]["code"] == case["expectAshbyError"]
        else:
            assert envelope["success"] is True, envelope
        return envelope
    model, action = case["model"], case["action"]
    query = _fill(case.get("query", {}), ids)
    path = f"/resources/{model}" + (f"/{_fill(case['recordId'], ids)}" if "recordId" in case else "")
    method = {"list": "GET", "retrieve": "GET", "create": "POST", "update": "PATCH", "delete": "DELETE"}[
        action
    ]
    body = _fill(case.get("body"), ids) if method in ("POST", "PATCH") else None
    response = http.request(method, path, params=query, json=body)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    if action == "list":
        assert result["data"], f"{model} list is empty for {query}"
    else:
        assert result["data"]["id"]
    return result


def _failures(
    case: dict[str, Any],
    checks: list[dict[str, Any]],
    answer: dict[str, Any],
    http: httpx.Client,
    ids: dict[str, Any],
) -> list[str]:
    """The checks (of the answer, or of what reads back now) that do not hold."""
    out: list[str] = []
    for check in checks:
        seen = answer if "source" not in check else _read_back(http, _fill(check["source"], ids), ids)
        at = _fill_text(check["at"], ids)
        values = values_at(seen, at) if at != "success" else [seen["success"]]
        held = True
        if "equals" in check:
            held &= values == [_fill(check["equals"], ids)]
        if "contains" in check:
            held &= _fill(check["contains"], ids) in values
        if "excludes" in check:
            held &= _fill(check["excludes"], ids) not in values
        if check.get("filled"):
            held &= bool(values)
        if "each_equals" in check:
            held &= bool(values) and all(v == _fill(check["each_equals"], ids) for v in values)
        if "each_icontains" in check:
            needle = str(_fill(check["each_icontains"], ids)).casefold()
            held &= bool(values) and all(needle in str(v).casefold() for v in values)
        if check.get("downloads"):
            held &= bool(values) and bool(httpx.get(str(values[0])).content)
        if not held:
            out.append(f"{case['id']}: {check['at']} = {values!r}")
    return out


def _fill_text(text: str, ids: dict[str, Any]) -> str:
    """``text`` with each ``$name`` inside it replaced (paths such as ``data.customFields.$field``)."""
    return re.sub(r"\$([A-Za-z]\w*)", lambda m: str(ids[m.group(1)]), text)


def _read_back(http: httpx.Client, source: dict[str, Any], ids: dict[str, Any]) -> dict[str, Any]:
    if "proxy" in source:
        answer = http.post(f"/proxy/{source['proxy']}", json=source.get("body", {}))
    else:
        answer = http.get(_fill_text(source["get"], ids), params=source.get("params"))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body
