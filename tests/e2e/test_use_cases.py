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
    ids |= {"job": job["id"], "jobTitle": job["title"]}
    user = _first(http, "genericUser")
    ids |= {"user": user["id"], "userEmail": user["email"]}
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
    opening = ashby.call("opening.create", {"identifier": "PREP-1", "jobIds": [job["id"]]})
    ids |= {"opening": opening["id"], "openingIdentifier": "PREP-1"}
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


@pytest.mark.parametrize("case", [u for u in USE_CASES if u["via"] != "partner"], ids=lambda u: u["id"])
def test_use_case(case: dict[str, Any], world: tuple[Server, httpx.Client, dict[str, Any]]) -> None:
    _, http, ids = world
    if case["via"] == "proxy":
        answer = http.post(f"/proxy/{case['operation']}", json=_fill(case["body"], ids))
        assert answer.status_code == 200, answer.text
        envelope = answer.json()
        if "expectAshbyError" in case:  # Ashby's refusal, passed through untouched
            assert envelope["success"] is False and envelope["errorInfo"]["code"] == case["expectAshbyError"]
        else:
            assert envelope["success"] is True, envelope
        _check_effects(case, envelope, http, ids)
        return
    model, action = case["model"], case["action"]
    query = _fill(case.get("query", {}), ids)
    path = f"/resources/{model}" + (f"/{_fill(case['recordId'], ids)}" if "recordId" in case else "")
    method = {"list": "GET", "retrieve": "GET", "create": "POST", "update": "PATCH", "delete": "DELETE"}[
        action
    ]
    body = _fill(case.get("body"), ids) if method in ("POST", "PATCH") else None
    answer = http.request(method, path, params=query, json=body)
    assert answer.status_code in (200, 201), answer.text
    data = answer.json()["data"]
    if action == "list":
        assert data, f"{model} list is empty for {query}"
    else:
        assert data["id"]
    _check_effects(case, answer.json(), http, ids)


def _check_effects(
    case: dict[str, Any], answer: dict[str, Any], http: httpx.Client, ids: dict[str, Any]
) -> None:
    """Each of the row's expected effects, on the answer or on what reads back afterwards."""
    assert case.get("expect"), f"{case['id']} states no effect to check"
    for check in case["expect"]:
        seen = answer if "source" not in check else _read_back(http, _fill(check["source"], ids), ids)
        at = _fill_text(check["at"], ids)
        values = values_at(seen, at) if at != "success" else [seen["success"]]
        label = f"{case['id']}: {check['at']} = {values!r}"
        if "equals" in check:
            assert values == [_fill(check["equals"], ids)], label
        if "contains" in check:
            assert _fill(check["contains"], ids) in values, label
        if "excludes" in check:
            assert _fill(check["excludes"], ids) not in values, label
        if check.get("filled"):
            assert values, label
        if "each_equals" in check:
            assert values and all(v == _fill(check["each_equals"], ids) for v in values), label
        if "each_icontains" in check:
            needle = str(_fill(check["each_icontains"], ids)).casefold()
            assert values and all(needle in str(v).casefold() for v in values), label
        if check.get("downloads"):
            assert values and httpx.get(str(values[0])).content, label


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
