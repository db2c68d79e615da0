"""The generated organisation: deterministic, consistent, and valid against the catalog."""

from __future__ import annotations

import itertools

import jsonschema
import pytest

from ashby_connector.emulator import Emulator, EmulatorConfig
from ashby_connector.emulator.records.kinds import KINDS, list_item_schema, record_schema
from tests.spec_schema import overlapping_one_of_as_any_of


@pytest.fixture(scope="module")
def org() -> Emulator:
    return Emulator(EmulatorConfig(seed=7, candidates=300))


def test_same_seed_same_organisation() -> None:
    a = Emulator(EmulatorConfig(seed=3, candidates=40)).state
    b = Emulator(EmulatorConfig(seed=3, candidates=40)).state
    assert list(a.kinds["candidate"].data.items()) == list(b.kinds["candidate"].data.items())
    assert list(a.kinds["application"].data) == list(b.kinds["application"].data)


def test_proportions(org: Emulator) -> None:
    counts = org.state.counts()
    assert counts["candidate"] == 300
    assert 1.3 <= counts["application"] / counts["candidate"] <= 1.7
    for kind in (
        "job",
        "interviewPlan",
        "interviewStage",
        "interviewSchedule",
        "interviewEvent",
        "applicationFeedback",
        "offer",
        "candidateNote",
        "customField",
        "user",
        "department",
    ):
        assert counts.get(kind, 0) > 0, kind
    assert org.state.kinds["job"].confidential
    assert org.state.kinds["application"].confidential
    assert org.state.kinds["candidate"].private


def test_the_relaxed_reading_touches_only_self_overlapping_one_ofs() -> None:
    strict = {"oneOf": [{"type": "string"}, {"type": "number"}]}
    overlapping = {"oneOf": [{"type": "string"}, {"type": "string"}]}
    assert overlapping_one_of_as_any_of(strict) == strict
    assert overlapping_one_of_as_any_of(overlapping) == {"anyOf": overlapping["oneOf"]}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_record_kind_matches_its_schemas(org: Emulator, kind: str) -> None:
    ks = org.state.kinds[kind]
    # One validator per schema: jsonschema.validate would re-check the (large) schema every call.
    validators = [
        jsonschema.Draft202012Validator(overlapping_one_of_as_any_of(s))
        for s in (record_schema(kind), list_item_schema(kind))
    ]
    for ident in itertools.islice(ks.data, 25):
        rec = ks.get(ident)
        for validator in validators:
            validator.validate(rec)


def test_applications_sit_in_a_stage_of_their_jobs_plan(org: Emulator) -> None:
    state = org.state
    for app in itertools.islice(state.iter("application"), 200):
        job = state.get("job", app["job"]["id"])
        assert job is not None
        stage = app["currentInterviewStage"]
        assert stage["interviewPlanId"] in job["interviewPlanIds"]
        assert stage["id"] in state.children("interviewStage", stage["interviewPlanId"])
        candidate = state.get("candidate", app["candidate"]["id"])
        assert candidate is not None and app["id"] in candidate["applicationIds"]
