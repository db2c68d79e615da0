"""The model registry: for each unified model, where it reads from and how it writes.

``source`` is the Ashby list operation whose records back the model (the store keeps records per
operation); ``info`` reads one record live; ``explode`` turns one source record into several
(a candidate's files become attachments). A write that Ashby's API cannot do is a
``NotSupported`` with the reason the server answers with its 501.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ashby_connector import catalog
from ashby_connector.unified import enums
from ashby_connector.unified import models as m
from ashby_connector.unified import readers as r
from ashby_connector.unified import writers as w


@dataclass(frozen=True, slots=True)
class NotSupported:
    reason: str


class ReadNotSupportedError(Exception):
    """Reading a model Ashby's API cannot answer (``ModelSpec.read_unavailable``); the server
    answers 501 ``not_supported`` with this message."""

    def __init__(self, model: str, action: str, reason: str) -> None:
        self.model = model
        self.action = action
        self.reason = reason
        super().__init__(f"{model}::{action}: {reason}")


@dataclass(frozen=True, slots=True)
class Write:
    operations: tuple[str, ...]
    run: w.Writer
    explicit: str | None = None  # a query flag the caller must set (irreversible deletes)


@dataclass(frozen=True, slots=True)
class Relation:
    """``expand=<name>`` adds the related model's record(s) for the id (or list of ids) in
    ``field``; with ``by``, the records of ``model`` whose ``by`` field equals this record's
    ``field`` (an application's offers: ``Relation("id", "atsOffer", by="applicationId")``)."""

    field: str
    model: str
    by: str | None = None


@dataclass(frozen=True, slots=True)
class Join:
    """A record of another Ashby operation the reader needs (a job's posting for its description):
    the first id at ``id_field`` (a string or a list of them), looked up in ``operation``'s records;
    with ``many``, every id's record, as a list (all of a job's postings); with ``by``, the records
    whose ``by`` field equals any id at ``id_field``, as a list (the offers of a candidate's
    applications); with ``contains`` too, whose ``by`` list holds one (the jobs using a plan)."""

    operation: str
    id_field: str
    many: bool = False
    by: str | None = None
    contains: bool = False


RaisedBy = Callable[[dict[str, Any], Callable[[str, str], dict[str, Any] | None]], list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Source:
    """One more Ashby list a model reads beside its ``source`` (an activity's notes beside its
    stage moves), each record read by ``read``; ``parent_fields`` as in ``ModelSpec``."""

    operation: str
    read: r.Reader
    parent_fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ModelSpec:
    name: str
    cls: type[m.UnifiedModel]
    source: str
    read: r.Reader
    info: tuple[str, str] | None = None  # (operation, id parameter)
    # Extra request fields of a live read: ``expand`` costs no extra request there, so a live read
    # carries what a sync leaves to its child-list policy (an application's screening answers).
    info_body: dict[str, Any] = field(default_factory=dict)
    joins: dict[str, Join] = field(default_factory=dict)
    # Child lists the reader takes from the store when the record lacks them: raw field -> the
    # stored child kind (its stream of the same name follows the child-list policies).
    child_lists: dict[str, str] = field(default_factory=dict)
    explode: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None
    create: Write | NotSupported = NotSupported("not in Ashby's API")
    update: Write | NotSupported = NotSupported("not in Ashby's API")
    delete: Write | NotSupported = NotSupported("not in Ashby's API")
    custom_field_object: str | None = None  # Ashby objectType for customField.setValue
    search: tuple[str, ...] = ()  # unified fields `q` matches
    relations: dict[str, Relation] = field(default_factory=dict)
    description: str = ""
    # Fields a child record takes from its parent when it lacks them (an event's schedule status).
    parent_fields: tuple[str, ...] = ()
    # Filters the store can apply itself: unified field -> (raw top-level field, unified -> raw values
    # or None when equal). The server still checks the unified value; this only narrows the scan.
    pushdown: dict[str, tuple[str, dict[str, str] | None]] = field(default_factory=dict)
    # Whether every whitespace-free piece of a ``search`` field's value appears in the raw record's
    # JSON (values copied or joined with spaces), so SQL may narrow ``q`` on the raw text.
    search_in_raw: bool = True
    # Equality filters on ids nested in the raw record: unified field -> raw dotted paths, the
    # unified value being the first of them that is set (so "any path equals" narrows safely).
    pushdown_paths: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Set when Ashby's API has no way to read the model's records: every list and retrieve fails
    # with this reason (never an empty success).
    read_unavailable: NotSupported | None = None
    # Sensitive data (EEOC answers): only its own requested operations read it, no other model
    # expands or embeds it, and only subscriptions naming the model get its events.
    sensitive: bool = False
    # More Ashby lists the model reads (``parts``); its records are theirs and ``source``'s.
    more_sources: tuple[Source, ...] = ()
    # With ``more_sources``: filters that narrow a list to one parent's records (a candidate's
    # activity), small enough to be merged across the lists and ordered by ``createdAt``, then id.
    # Other lists page through each list in turn.
    scopes: tuple[str, ...] = ()
    # Changes of another Ashby list that are changes of this model's records too, for events: the
    # operation -> its changed record's records of this model, reading stored records through
    # ``record_of(kind, id)`` (an offer's letters are its candidate's attachments).
    raised_by: dict[str, RaisedBy] = field(default_factory=dict)

    def parts(self) -> tuple[ModelSpec, ...]:
        """The model once per Ashby list it reads: ``source`` first, then ``more_sources``."""
        if not self.more_sources:
            return (self,)
        first = replace(self, more_sources=())
        return (
            first,
            *(
                replace(first, source=s.operation, read=s.read, parent_fields=s.parent_fields)
                for s in self.more_sources
            ),
        )

    def require_readable(self, action: str) -> None:
        """Raise ``ReadNotSupportedError`` when Ashby's API cannot answer reads of this model."""
        if self.read_unavailable is not None:
            raise ReadNotSupportedError(self.name, action, self.read_unavailable.reason)

    @property
    def created_field(self) -> str | None:
        """The raw top-level field the unified ``createdAt`` is copied from, if it is one."""
        if self.explode is not None or "createdAt" in self.parent_fields:
            return None
        try:
            overridden = "createdAt" in self.read({})
        except Exception:  # a reader that needs a real record: do not guess
            return None
        return None if overridden else "createdAt"

    def write(self, action: str) -> Write | NotSupported:
        return {"create": self.create, "update": self.update, "delete": self.delete}[action]


def _reverse(mapping: dict[str, Any]) -> dict[str, str]:
    """Unified value -> Ashby value, for enums that map one to one."""
    reverse: dict[str, str] = {}
    for ashby, value in mapping.items():
        reverse.setdefault(str(value.value if hasattr(value, "value") else value), ashby)
    return reverse


_CANDIDATE_WRITES: dict[str, Any] = {
    "create": Write(("candidate.create",), w.create_candidate),
    "update": Write(("candidate.update", "candidate.addTag", "candidate.removeTag"), w.update_candidate),
    "delete": Write(("candidate.anonymize",), w.anonymize_candidate, explicit="anonymize"),
}
_USER_501 = NotSupported("Ashby's API cannot create, change or remove users (they come from the UI or SCIM)")
_META_501 = NotSupported("Ashby's API has no operation for this; manage it in Ashby's admin settings")
_EVENT = w.schedule_writer("eventTypeId")
_INTERVIEW = w.schedule_writer("interviewTypeId")
_APP_REL = {"candidate": Relation("candidateId", "atsCandidate"), "job": Relation("jobId", "atsJob")}
_INTERVIEW_JOIN = {"interview": Join("interview.list", "interviewId")}
_USER_REL = {"creditedTo": Relation("creditedToId", "genericUser")}


def _eeoc_unavailable() -> NotSupported:
    survey_types = catalog.operation("surveySubmission.list").enum_values("surveyType")
    return NotSupported(
        "Ashby's current API does not return EEOC answers: surveySubmission.list accepts only "
        f"surveyType {' or '.join(survey_types)}, and the surveySubmit webhook never carries EEOC "
        "or Diversity answers"
    )


_SPECS = (
    ModelSpec(
        "genericContact",
        m.GenericContact,
        "candidate.list",
        r.read_contact,
        info=("candidate.info", "id"),
        custom_field_object="Candidate",
        search=("name", "email", "company"),
        description="A person: an Ashby candidate.",
        **_CANDIDATE_WRITES,
    ),
    ModelSpec(
        "atsCandidate",
        m.AtsCandidate,
        "candidate.list",
        r.read_candidate,
        info=("candidate.info", "id"),
        custom_field_object="Candidate",
        search=("name", "email", "company"),
        description="An Ashby candidate.",
        relations={
            "tags": Relation("tagIds", "atsTag"),
            "source": Relation("sourceId", "atsSource"),
            **_USER_REL,
        },
        **_CANDIDATE_WRITES,
    ),
    ModelSpec(
        "genericUser",
        m.GenericUser,
        "user.list",
        r.read_user,
        info=("user.info", "userId"),
        create=_USER_501,
        update=_USER_501,
        delete=_USER_501,
        search=("firstName", "lastName", "email"),
        description="An Ashby user (a member of the organisation).",
        pushdown={"email": ("email", None)},
    ),
    ModelSpec(
        "genericWorkspace",
        m.GenericWorkspace,
        "brand.list",
        r.read_workspace,
        create=NotSupported("a workspace is the Ashby organisation the key belongs to"),
        update=NotSupported("a workspace is the Ashby organisation the key belongs to"),
        delete=NotSupported("a workspace is the Ashby organisation the key belongs to"),
        search=("name",),
        description="The organisation's brands (one per careers site).",
    ),
    ModelSpec(
        "scheduleCalendar",
        m.ScheduleCalendar,
        "user.list",
        r.read_calendar,
        info=("user.info", "userId"),
        create=NotSupported("Ashby has no calendars in its API; each user has one implicitly"),
        update=NotSupported("Ashby has no calendars in its API; each user has one implicitly"),
        delete=NotSupported("Ashby has no calendars in its API; each user has one implicitly"),
        search=("name", "ownerEmail"),
        relations={"owner": Relation("ownerId", "genericUser")},
        search_in_raw=False,  # "<first> <last>'s interviews": the suffix is not in the record
        description="One interview calendar per Ashby user (id = the user's id).",
    ),
    ModelSpec(
        "scheduleEventType",
        m.ScheduleEventType,
        "interview.list",
        r.read_event_type,
        info=("interview.info", "id"),
        create=_META_501,
        update=_META_501,
        delete=_META_501,
        search=("name",),
        relations={"job": Relation("jobId", "atsJob")},
        description="An interview type (Ashby's interview definition).",
    ),
    ModelSpec(
        "scheduleEvent",
        m.ScheduleEvent,
        "interviewEvent.list",
        r.read_event,
        create=Write(("interviewSchedule.create",), _EVENT[0]),
        update=Write(("interviewSchedule.update",), _EVENT[1]),
        delete=Write(("interviewSchedule.cancel",), _EVENT[2]),
        search=("title",),
        relations={"eventType": Relation("eventTypeId", "scheduleEventType")},
        description="A scheduled interview event.",
        parent_fields=("status", "applicationId"),
        joins=_INTERVIEW_JOIN,
        search_in_raw=False,  # the title is the joined interview definition's, not in the record
    ),
    ModelSpec(
        "atsJob",
        m.AtsJob,
        "job.list",
        r.read_job,
        info=("job.info", "id"),
        custom_field_object="Job",
        create=Write(("job.create", "job.setStatus"), w.create_job),
        update=Write(("job.update", "job.setStatus"), w.update_job),
        delete=Write(("job.setStatus",), w.archive_job),
        search=("title", "requisitionId"),
        relations={
            "department": Relation("departmentId", "atsDepartment"),
            "location": Relation("locationId", "atsLocation"),
            "locations": Relation("locationIds", "atsLocation"),
            "jobPostings": Relation("jobPostingIds", "atsJobPosting"),
            "hiringManagers": Relation("hiringManagerIds", "genericUser"),
            "recruiters": Relation("recruiterIds", "genericUser"),
            "coordinators": Relation("coordinatorIds", "genericUser"),
        },
        joins={
            "jobPosting": Join("jobPosting.list", "jobPostingIds"),
            "jobPostings": Join("jobPosting.list", "jobPostingIds", many=True),
        },
        description="A job; delete archives it; its description is its first posting's, its "
        "posting URLs and offices are all its postings'.",
        pushdown={
            "status": ("status", _reverse(enums.JOB_STATUS)),
            "departmentId": ("departmentId", None),
            "locationId": ("locationId", None),
        },
    ),
    ModelSpec(
        "atsApplication",
        m.AtsApplication,
        "application.list",
        r.read_application,
        info=("application.info", "applicationId"),
        info_body={"expand": ["applicationFormSubmissions"]},
        child_lists={"applicationFormSubmissions": "applicationFormSubmission"},
        custom_field_object="Application",
        create=Write(("application.create",), w.create_application),
        update=Write(
            ("application.update", "application.changeStage", "application.changeSource"),
            w.update_application,
        ),
        delete=Write(("application.delete",), w.delete_application),
        relations={
            **_APP_REL,
            "stage": Relation("stageId", "atsApplicationStage"),
            "source": Relation("sourceId", "atsSource"),
            "rejectReason": Relation("rejectReasonId", "atsRejectReason"),
            "recruiter": Relation("recruiterId", "genericUser"),
            "coordinator": Relation("coordinatorId", "genericUser"),
            "jobPosting": Relation("jobPostingId", "atsJobPosting"),
            "offers": Relation("id", "atsOffer", by="applicationId"),
            "interviews": Relation("id", "atsInterview", by="applicationId"),
            "scorecards": Relation("id", "atsScorecard", by="applicationId"),
            **_USER_REL,
        },
        description="A candidate's application to a job.",
        pushdown={"status": ("status", _reverse(enums.APPLICATION_STATUS))},
        pushdown_paths={
            "candidateId": ("candidate.id", "candidateId"),
            "jobId": ("job.id", "jobId"),
            "stageId": ("currentInterviewStage.id",),
        },
    ),
    ModelSpec(
        "atsApplicationStage",
        m.AtsApplicationStage,
        "interviewStage.list",
        r.read_stage,
        info=("interviewStage.info", "interviewStageId"),
        create=_META_501,
        update=_META_501,
        delete=_META_501,
        search=("name",),
        relations={"jobs": Relation("jobIds", "atsJob")},
        joins={"jobs": Join("job.list", "interviewPlanId", by="interviewPlanIds", contains=True)},
        description="A stage of an interview plan; plans are shared, so jobIds names every stored "
        "job whose plans hold it.",
        pushdown={"interviewPlanId": ("interviewPlanId", None)},
    ),
    ModelSpec(
        "atsActivity",
        m.AtsActivity,
        "application.listHistory",
        r.read_activity,
        create=NotSupported(
            "move a stage through atsApplication (application.changeStage); write a note through "
            "atsNote (candidate.createNote)"
        ),
        update=NotSupported("Ashby's API cannot change an application's history or a note"),
        delete=NotSupported("Ashby's API cannot delete an application's history or a note"),
        relations={
            "application": Relation("applicationId", "atsApplication"),
            "candidate": Relation("candidateId", "atsCandidate"),
            "stage": Relation("stageId", "atsApplicationStage"),
            "user": Relation("userId", "genericUser"),
        },
        # A stage move names its candidate through its application.
        parent_fields=("candidate",),
        more_sources=(Source("candidate.listNotes", r.read_note_activity),),
        scopes=("candidateId", "applicationId"),
        description="A candidate's activity: each stage move of its applications "
        "(application.listHistory) and each note (candidate.listNotes), child lists following their "
        "child policies; filtered by candidateId or applicationId, ordered by time. Ashby's API "
        "has no read of emails, so there is no EMAIL activity.",
    ),
    ModelSpec(
        "atsOffer",
        m.AtsOffer,
        "offer.list",
        r.read_offer,
        info=("offer.info", "offerId"),
        create=Write(("offerProcess.start", "offer.start", "offer.create"), w.create_offer),
        update=Write(("offer.update",), w.update_offer),
        delete=NotSupported("Ashby's API cannot delete an offer"),
        relations={"application": Relation("applicationId", "atsApplication")},
        description="An offer (its latest version).",
        pushdown={"applicationId": ("applicationId", None)},
    ),
    ModelSpec(
        "atsInterview",
        m.AtsInterview,
        "interviewEvent.list",
        r.read_interview,
        create=Write(("interviewSchedule.create",), _INTERVIEW[0]),
        update=Write(("interviewSchedule.update",), _INTERVIEW[1]),
        delete=Write(("interviewSchedule.cancel",), _INTERVIEW[2]),
        search=("title",),
        relations={
            "application": Relation("applicationId", "atsApplication"),
            "interviewType": Relation("interviewTypeId", "scheduleEventType"),
            "stage": Relation("stageId", "atsApplicationStage"),
            "organizer": Relation("organizerId", "genericUser"),
            "interviewers": Relation("interviewerIds", "genericUser"),
        },
        description="A scheduled interview of an application.",
        parent_fields=("status", "applicationId", "interviewStageId", "scheduledBy"),
        joins=_INTERVIEW_JOIN,
        search_in_raw=False,  # the title is the joined interview definition's, not in the record
    ),
    ModelSpec(
        "atsScorecard",
        m.AtsScorecard,
        "applicationFeedback.list",
        r.read_scorecard,
        create=Write(("applicationFeedback.submit",), w.submit_scorecard),
        update=NotSupported("Ashby's API cannot change submitted feedback"),
        delete=NotSupported("Ashby's API cannot delete submitted feedback"),
        relations={"application": Relation("applicationId", "atsApplication")},
        description="Submitted interview feedback.",
    ),
    ModelSpec(
        "atsNote",
        m.AtsNote,
        "candidate.listNotes",
        r.read_note,
        create=Write(("candidate.createNote",), w.create_note),
        update=NotSupported("Ashby's API cannot edit a note"),
        delete=NotSupported("Ashby's API cannot delete a note"),
        search=("content",),
        relations={"candidate": Relation("candidateId", "atsCandidate")},
        description="A note on a candidate.",
    ),
    ModelSpec(
        "atsAttachment",
        m.AtsAttachment,
        "candidate.list",
        r.read_attachment,
        explode=r.explode_attachments,
        create=NotSupported(
            "upload through the proxy: file.createFileUploadHandle, then "
            "candidate.uploadFile or candidate.uploadResume"
        ),
        update=NotSupported("Ashby's API cannot change a file"),
        delete=NotSupported("Ashby's API cannot delete a file"),
        search=("name",),
        relations={
            "candidate": Relation("candidateId", "atsCandidate"),
            "offer": Relation("offerId", "atsOffer"),
        },
        joins={"offers": Join("offer.list", "applicationIds", by="applicationId")},
        raised_by={"offer.list": r.letters_of_offer},
        description="A candidate's file, or an offer letter of one of its applications' offers "
        "(from the stored offers); ?downloadUrl=true adds a fresh signed URL (file.info).",
    ),
    ModelSpec(
        "atsJobPosting",
        m.AtsJobPosting,
        "jobPosting.list",
        r.read_job_posting,
        info=("jobPosting.info", "jobPostingId"),
        create=NotSupported("Ashby's API cannot create a job posting; it is made with its job in Ashby"),
        update=Write(("jobPosting.update",), w.update_job_posting),
        delete=NotSupported("Ashby's API cannot delete a job posting"),
        search=("title",),
        relations={"job": Relation("jobId", "atsJob"), "location": Relation("locationId", "atsLocation")},
        description="A job posting (the public advert of a job).",
        pushdown={"jobId": ("jobId", None)},
    ),
    ModelSpec(
        "atsDepartment",
        m.AtsDepartment,
        "department.list",
        r.read_department,
        info=("department.info", "departmentId"),
        create=Write(("department.create",), w.create_department),
        update=Write(("department.update",), w.update_department),
        delete=Write(("department.archive",), w.archive_department),
        search=("name",),
        description="A department (Ashby team); delete archives it.",
    ),
    ModelSpec(
        "atsLocation",
        m.AtsLocation,
        "location.list",
        r.read_location,
        info=("location.info", "locationId"),
        create=Write(("location.create",), w.create_location),
        update=Write(("location.updateName", "location.updateExternalName"), w.update_location),
        delete=Write(("location.archive",), w.archive_location),
        search=("name",),
        description="An office or location; delete archives it.",
    ),
    ModelSpec(
        "atsRejectReason",
        m.AtsRejectReason,
        "archiveReason.list",
        r.read_reject_reason,
        create=_META_501,
        update=_META_501,
        delete=_META_501,
        search=("name",),
        description="An archive (rejection) reason.",
    ),
    ModelSpec(
        "atsTag",
        m.AtsTag,
        "candidateTag.list",
        r.read_tag,
        create=Write(("candidateTag.create",), w.create_tag),
        update=NotSupported("Ashby's API cannot rename a tag"),
        delete=Write(("candidateTag.archive",), w.archive_tag),
        search=("name",),
        description="A candidate tag; delete archives it.",
    ),
    ModelSpec(
        "atsSource",
        m.AtsSource,
        "source.list",
        r.read_source,
        create=_META_501,
        update=_META_501,
        delete=_META_501,
        search=("name",),
        description="A candidate source.",
    ),
    ModelSpec(
        "atsEeoc",
        m.AtsEeoc,
        "surveySubmission.list",
        r.read_eeoc,
        create=NotSupported("Ashby's API cannot submit a candidate's EEOC survey"),
        update=NotSupported("Ashby's API cannot change a candidate's EEOC answers"),
        delete=NotSupported("Ashby's API cannot delete a candidate's EEOC answers"),
        description="A candidate's EEOC survey answers (sensitive; not readable in Ashby's current API).",
        read_unavailable=_eeoc_unavailable(),
        sensitive=True,
    ),
)

MODELS: dict[str, ModelSpec] = {s.name: s for s in _SPECS}


def models() -> list[ModelSpec]:
    return list(_SPECS)


def model(name: str) -> ModelSpec:
    return MODELS[name]
