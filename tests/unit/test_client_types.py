"""The typed client's models: named after Ashby's objects, public in ``ashby_connector.types``,
one class per object (so ``isinstance`` works wherever the object appears)."""

from __future__ import annotations

import importlib
import inspect
import typing
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import respx

import ashby_connector
from ashby_connector import AshbyClient, types
from ashby_connector.client import Page, SyncPager
from ashby_connector.client.resources import SyncNamespaces
from tests.unit.test_client_operations import gen

ROOT = Path(__file__).resolve().parents[2]
BASE = "http://ashby.test"

# The class every operation returning one of the main objects must return (the table).
EXPECTED: dict[str, list[str]] = {
    "Application": [
        "application.info", "application.list", "application.create", "application.update",
        "application.changeStage", "application.changeSource", "application.transfer",
        "application.updateHistory", "referral.create",
    ],
    "Candidate": [
        "candidate.info", "candidate.list", "candidate.search", "candidate.create", "candidate.update",
        "candidate.addTag", "candidate.removeTag", "candidate.addProject", "candidate.removeProject",
        "candidate.anonymize", "candidate.setFraudStatus", "candidate.uploadFile", "candidate.uploadResume",
    ],
    "CandidateNote": ["candidate.createNote", "candidate.listNotes"],
    "CandidateTag": ["candidateTag.create", "candidateTag.list", "candidateTag.archive"],
    "User": ["user.info", "user.list", "user.search"],
    "Job": [
        "job.info", "job.list", "job.search", "job.create", "job.update", "job.setStatus",
        "job.updateCompensation",
    ],
    "JobPosting": ["jobPosting.info", "jobPosting.list", "jobPosting.update"],
    "Opening": [
        "opening.info", "opening.list", "opening.search", "opening.create", "opening.update",
        "opening.addJob", "opening.removeJob", "opening.addLocation", "opening.removeLocation",
        "opening.setArchived", "opening.setOpeningState",
    ],
    "CustomField": [
        "customField.info", "customField.list", "customField.create", "customField.updateSelectableValues",
    ],
    "CustomFieldValue": [
        "customField.setValue", "customField.setValues",
        "user.setCustomFieldValue", "user.setCustomFieldValues",
    ],
    "Offer": [
        "offer.info", "offer.list", "offer.create", "offer.update", "offer.approve",
        "offer.startApprovalProcess",
    ],
    "Project": ["project.info", "project.list", "project.search", "candidate.listProjects"],
    "HiringTeamMember": [
        "hiringTeam.addMember", "hiringTeam.removeMember", "application.addHiringTeamMember",
        "application.removeHiringTeamMember",
    ],
    "Department": ["department.info", "department.list", "department.create", "department.update"],
    "Location": ["location.info", "location.list", "location.create", "location.updateName"],
    "InterviewStage": ["interviewStage.info", "interviewStage.list"],
    "InterviewSchedule": ["interviewSchedule.list", "interviewSchedule.create", "interviewSchedule.cancel"],
    "InterviewEvent": ["interviewEvent.list"],
    "Interview": ["interview.info", "interview.list"],
    "InterviewerPool": ["interviewerPool.info", "interviewerPool.list", "interviewerPool.addUser"],
    "ArchiveReason": ["archiveReason.list"],
    "Source": ["source.list"],
    "Webhook": ["webhook.info", "webhook.create", "webhook.update"],
    "ApplicationFeedback": ["applicationFeedback.list"],
    "SurveySubmission": ["surveySubmission.list", "surveySubmission.create"],
}  # fmt: skip

# What each nested field holds: the same class as the object itself.
NESTED: list[tuple[str, str, str]] = [
    ("Application", "candidate", "Candidate"),
    ("Application", "job", "Job"),
    ("Application", "credited_to_user", "User"),
    ("Application", "current_interview_stage", "InterviewStage"),
    ("Application", "archive_reason", "ArchiveReason"),
    ("Application", "source", "Source"),
    ("Application", "hiring_team", "HiringTeamMember"),
    ("Application", "custom_fields", "CustomFieldValue"),
    ("Candidate", "tags", "CandidateTag"),
    ("Candidate", "custom_fields", "CustomFieldValue"),
    ("Candidate", "primary_email_address", "EmailAddress"),
    ("Candidate", "email_addresses", "EmailAddress"),
    ("Candidate", "resume_file_handle", "FileHandle"),
    ("InterviewBriefing", "application", "Application"),
]


def record_type(operation: str) -> Any:
    """The model class one record of ``operation``'s result is (through ``Page``/``list``)."""
    op = ashby_connector.catalog.operation(operation)
    resource = getattr(SyncNamespaces, op.python_module).func.__annotations__["return"]
    module = importlib.import_module(f"ashby_connector.client.resources.{op.python_module}")
    cls = getattr(module, resource.split(".")[-1])
    hint = typing.get_type_hints(getattr(cls, op.python_method))["return"]
    while typing.get_origin(hint) in (list, Page, SyncPager):
        hint = typing.get_args(hint)[0]
    return hint


@pytest.mark.parametrize(
    ("name", "operation"), [(n, op) for n, ops in EXPECTED.items() for op in ops], ids=lambda v: str(v)
)
def test_every_operation_returns_the_object_named_in_the_table(name: str, operation: str) -> None:
    assert record_type(operation) is getattr(types, name)


def test_no_model_is_named_after_an_accident_of_shape() -> None:
    names = [n for n in types.__all__ if n != "AshbyModel"]
    assert not [n for n in names if n[-1].isdigit()]
    # Names the old first-shape-wins rule produced (issue 11): gone.
    old = {"Value", "Step", "CreditedToUser", "InterviewBriefingApplication", "InterviewBriefingJob"}
    assert not old & set(names)
    assert not [
        n for n in names if n.startswith(("ApplicationArchiveReasonCustomField", "ApplicationOpening"))
    ]


@pytest.mark.parametrize(("owner", "field", "name"), NESTED, ids=lambda v: str(v))
def test_a_nested_object_is_the_same_class_as_the_object(owner: str, field: str, name: str) -> None:
    annotation = getattr(types, owner).model_fields[field].annotation
    inner = [a for a in typing.get_args(annotation) if a is not type(None)]
    while inner and typing.get_origin(inner[0]) is list:
        inner = list(typing.get_args(inner[0]))
    assert inner == [getattr(types, name)]


def test_isinstance_holds_across_operations() -> None:
    application = types.Application.from_raw(
        {
            "id": "a1",
            "candidate": {"id": "c1", "name": "Ada"},
            "creditedToUser": {"id": "u1", "firstName": "Bo"},
        }
    )
    assert isinstance(application.candidate, types.Candidate) and application.candidate.name == "Ada"
    assert isinstance(application.credited_to_user, types.User)
    briefing = types.InterviewBriefing.from_raw({"application": {"id": "a1"}})
    assert isinstance(briefing.application, types.Application)


def test_public_types_are_importable_and_typed() -> None:
    from ashby_connector.types import (  # the names a user reaches for
        Application,
        Candidate,
        CandidateTag,
        CustomField,
        Job,
        Offer,
        Opening,
        User,
    )

    for cls in (Application, Candidate, CandidateTag, CustomField, Job, Offer, Opening, User):
        assert cls.__module__.startswith("ashby_connector.types.")
        assert issubclass(cls, types.AshbyModel)
    assert set(types.__all__) == {n for n in dir(types) if not n.startswith("_")} - {
        m for m in dir(types) if isinstance(getattr(types, m), ModuleType)
    } - {"annotations"}
    assert (ROOT / "src" / "ashby_connector" / "py.typed").exists()
    assert not (ROOT / "src" / "ashby_connector" / "client" / "_generated").exists()


def test_one_resource_module_per_ashby_module_with_both_classes() -> None:
    from ashby_connector.client.resources import candidate, interviewer_pool

    assert inspect.isclass(candidate.CandidateResource) and inspect.isclass(candidate.AsyncCandidateResource)
    assert hasattr(interviewer_pool.AsyncInterviewerPoolResource, "add_user")


def test_a_shape_that_disagrees_gets_a_variant_not_a_wrong_union() -> None:
    registry = gen.Registry()
    full = {"type": "object", "properties": {"id": {"type": "string"}, "stage": {"type": "string"}}}
    other = {"type": "object", "properties": {"id": {"type": "string"}, "stage": {"type": "integer"}}}
    subset = {"type": "object", "properties": {"id": {"type": "string"}}}
    assert registry.add_variant(["Application", "ApplicationSummary"], full, "application") == "Application"
    # Fewer fields of the same types: one class, the union of the fields.
    assert registry.add_variant(["Application", "ApplicationSummary"], subset, "application") == "Application"
    # A field of another type: a clearly named variant.
    assert (
        registry.add_variant(["Application", "ApplicationSummary"], other, "application")
        == "ApplicationSummary"
    )


def test_the_naming_rule_names_results_by_module_and_role() -> None:
    op = ashby_connector.catalog.operation
    note = {"type": "object", "properties": {"id": {}, "content": {}}}
    assert gen.result_role(op("candidate.createNote"), note, None, False) == "CandidateNote"
    assert gen.result_role(op("candidate.listNotes"), note, None, True) == "CandidateNote"
    member = {"type": "object", "properties": {"userId": {}, "role": {}}}
    assert gen.result_role(op("application.addHiringTeamMember"), member, None, False) == "HiringTeamMember"
    assert gen.result_role(op("hiringTeam.addMember"), member, None, False) == "HiringTeamMember"


# -- what users hold ------------------------------------------------------------------------------
def client() -> AshbyClient:
    return AshbyClient("k", base_url=BASE, rate_limit_per_minute=None)


def test_download_takes_the_handle_object_a_record_carries() -> None:
    candidate = types.Candidate.from_raw(
        {"id": "c1", "resumeFileHandle": {"id": "f", "name": "cv.pdf", "handle": "h-9"}}
    )
    with respx.mock() as mock:
        info = mock.post(f"{BASE}/file.info").respond(
            200, json={"success": True, "results": {"url": "http://s.test/f"}}
        )
        mock.get("http://s.test/f").respond(200, content=b"cv")
        with client() as c:
            assert candidate.resume_file_handle is not None
            assert c.file.download(candidate.resume_file_handle) == b"cv"
            assert c.file.download({"handle": "h-9"}) == b"cv"
            assert c.file.info(file_handle=candidate.resume_file_handle).url == "http://s.test/f"
    assert [call.request.content for call in info.calls] == [b'{"fileHandle":"h-9"}'] * 3


def test_a_handle_object_without_a_handle_is_refused_before_any_request() -> None:
    with respx.mock(assert_all_called=False) as mock, client() as c:
        route = mock.post(f"{BASE}/file.info")
        with pytest.raises(TypeError, match=r"\.handle"):
            c.file.download(types.FileHandle.from_raw({"id": "f"}))
    assert not route.called


def test_a_model_is_accepted_where_its_id_is_expected() -> None:
    candidate = types.Candidate.from_raw({"id": "c1"})
    job = types.Job.from_raw({"id": "j1"})
    with respx.mock() as mock:
        route = mock.post(f"{BASE}/candidate.info").respond(
            200, json={"success": True, "results": {"id": "c1"}}
        )
        notes = mock.post(f"{BASE}/candidate.listNotes").respond(200, json={"success": True, "results": []})
        with client() as c:
            assert c.candidate.info(id=candidate).id == "c1"
            c.candidate.list_notes(candidate_id=candidate)
            with pytest.raises(TypeError, match="expected a Candidate or its id string, not Job"):
                c.candidate.list_notes(candidate_id=job)  # type: ignore[arg-type]
    assert route.calls.last.request.content == b'{"id":"c1"}'
    assert notes.call_count == 1 and b'"candidateId":"c1"' in notes.calls.last.request.content
