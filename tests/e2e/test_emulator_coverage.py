"""The emulated organisation fills what Ashby's spec defines, consistently.

Coverage: per list and info operation of every record kind, the share of spec-defined response
fields some record fills (``scripts/emulator_field_coverage.py`` prints the table). Consistency: what
one record says about another holds in the other's own list.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ashby_connector.emulator import run_emulator
from ashby_connector.emulator.generation.coverage import (
    NOT_FILLED,
    Coverage,
    filled_paths,
    measure,
    overall,
    spec_paths,
)
from ashby_connector.emulator.in_process import EmulatorHandle

OVERALL_GOAL = 0.95
PER_OPERATION_FLOOR = 0.80


@pytest.fixture(scope="module")
def org() -> Iterator[EmulatorHandle]:
    with run_emulator(seed=1, candidates=500, rate_limit_per_minute=None) as emu:
        yield emu


@pytest.fixture(scope="module")
def coverages(org: EmulatorHandle) -> list[Coverage]:
    return measure(org.base_url, org.api_key)


def _all(
    emu: EmulatorHandle, operation: str, body: dict[str, Any] | None = None, *, key: str | None = None
) -> list[Any]:
    out: list[Any] = []
    cursor = None
    with httpx.Client(base_url=emu.base_url, auth=(key or emu.api_key, "")) as http:
        while True:
            page = http.post(f"/{operation}", json={**(body or {}), **({"cursor": cursor} if cursor else {})})
            answer = page.json()
            assert answer["success"], answer
            out += answer["results"]
            cursor = answer.get("nextCursor")
            if not answer.get("moreDataAvailable"):
                return out


def test_paths_are_counted_as_the_spec_defines_them() -> None:
    schema = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "team": {
                "type": "array",
                "items": {"type": "object", "properties": {"userId": {"type": "string"}}},
            },
        },
    }
    assert spec_paths(schema) == {"id", "team", "team[].userId"}
    assert filled_paths({"id": "x", "team": []}) == {"id"}
    assert filled_paths({"id": None, "team": [{"userId": "u"}]}) == {"team", "team[].userId"}


def test_the_organisation_fills_what_the_spec_defines(coverages: list[Coverage]) -> None:
    low = {
        c.operation: (round(c.share, 3), c.missing[:5]) for c in coverages if c.share < PER_OPERATION_FLOOR
    }
    assert not low, f"operations under {PER_OPERATION_FLOOR:.0%}: {low}"
    assert overall(coverages) >= OVERALL_GOAL, overall(coverages)
    assert len(coverages) >= 50  # every record kind's list, and its info where Ashby has one


def test_every_field_left_empty_on_purpose_is_one_the_spec_defines(coverages: list[Coverage]) -> None:
    by_operation = {c.operation: c for c in coverages}
    for (operation, path), reason in NOT_FILLED.items():
        assert reason
        coverage = by_operation[operation]
        assert coverage.excused, (operation, path)
        assert not (coverage.excused & coverage.filled), f"{operation} fills what it says it cannot"


def test_credited_users_and_embedded_users_are_users_of_the_organisation(org: EmulatorHandle) -> None:
    users = {u["id"]: u for u in _all(org, "user.list", {"includeDeactivated": True})}
    credited = [a["creditedToUser"] for a in _all(org, "application.list") if a.get("creditedToUser")]
    credited += [c["creditedToUser"] for c in _all(org, "candidate.list") if c.get("creditedToUser")]
    assert credited
    for user in credited:
        assert users[user["id"]] == user  # the same record user.list answers, field for field
    for user in users.values():
        if user.get("managerId"):
            assert user["managerId"] in users


def test_custom_field_values_match_their_definitions(org: EmulatorHandle) -> None:
    definitions = {d["id"]: d for d in _all(org, "customField.list")}
    checked = 0
    records = [
        *_all(org, "candidate.list"),
        *_all(org, "application.list"),
        *_all(org, "job.list"),
        *_all(org, "user.list"),
    ]
    for record in records:
        for value in record.get("customFields") or []:
            definition = definitions[value["id"]]
            assert definition["title"] == value["title"]
            allowed = [s["value"] for s in definition.get("selectableValues") or []]
            if definition["fieldType"] == "ValueSelect":
                assert value["value"] in allowed
            if definition["fieldType"] == "MultiValueSelect":
                assert set(value["value"]) <= set(allowed)
            if definition["fieldType"] in ("NumberRange", "CompensationRange"):
                assert value["value"]["type"] == definition["fieldType"]
            checked += 1
    assert checked > 500


def test_job_compensation_is_the_one_its_postings_show(org: EmulatorHandle) -> None:
    jobs = {j["id"]: j for j in _all(org, "job.list")}
    postings = _all(org, "jobPosting.list")
    assert postings
    with httpx.Client(base_url=org.base_url, auth=(org.api_key, "")) as http:
        for summary in postings:
            posting = http.post("/jobPosting.info", json={"jobPostingId": summary["id"]}).json()["results"]
            job = jobs[posting["jobId"]]
            assert job["compensation"]["compensationTiers"] == posting["compensation"]["compensationTiers"]


def test_expand_adds_related_records_only_when_asked(org: EmulatorHandle) -> None:
    with httpx.Client(base_url=org.base_url, auth=(org.api_key, "")) as http:
        plain = http.post("/job.list", json={"limit": 3}).json()["results"]
        expanded = http.post("/job.list", json={"limit": 3, "expand": ["location", "openings"]}).json()[
            "results"
        ]
        assert all("location" not in j for j in plain)
        for job in expanded:
            assert job["location"]["id"] == job["locationId"]
            assert all(o["latestVersion"]["jobIds"] == [job["id"]] for o in job["openings"])
        app_id = next(a["id"] for a in _all(org, "application.list") if a.get("appliedViaJobPostingId"))
        plain_app = http.post("/application.info", json={"applicationId": app_id}).json()["results"]
        assert "applicationFormSubmissions" not in plain_app
        assert plain_app["applicationHistory"]
        answers = http.post(
            "/application.info", json={"applicationId": app_id, "expand": ["applicationFormSubmissions"]}
        ).json()["results"]["applicationFormSubmissions"]
        assert answers[0]["submittedValues"]["_systemfield_email"]


def test_toggles_still_hide_private_fields_and_confidential_jobs(org: EmulatorHandle) -> None:
    key = org.control.add_key(allow_confidential=False, allow_private_fields=False)
    definitions = {d["id"]: d for d in _all(org, "customField.list")}
    seen = [*_all(org, "candidate.list", key=key), *_all(org, "application.list", key=key)]
    for record in seen:
        for value in record.get("customFields") or []:
            assert not definitions[value["id"]]["isPrivate"]
    private_somewhere = [
        v for r in _all(org, "application.list") for v in r.get("customFields") or [] if v["isPrivate"]
    ]
    assert private_somewhere  # the full key sees them, so hiding them is tested
    assert all(not j["confidential"] for j in _all(org, "job.list", key=key))
    assert len(_all(org, "job.list", key=key)) < len(_all(org, "job.list"))


def test_generated_files_download(org: EmulatorHandle) -> None:
    candidate = next(c for c in _all(org, "candidate.list") if c.get("resumeFileHandle"))
    with httpx.Client(base_url=org.base_url, auth=(org.api_key, "")) as http:
        url = http.post("/file.info", json={"fileHandle": candidate["resumeFileHandle"]["handle"]}).json()
        download = httpx.get(url["results"]["url"])
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
