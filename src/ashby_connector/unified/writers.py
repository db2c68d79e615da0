"""Write mappers: turn a unified create/update/delete into Ashby calls.

A writer gets ``call`` (``AshbyClient.call``: operation name and body in, ``results`` out), the
record's id (``None`` on create), the unified payload, and the stored raw record when one exists
(for ids Ashby needs that the unified id does not carry, such as an event's schedule). It returns
the raw Ashby record of the result. Unified values are translated (enums, names); anything under
``remoteFields`` is passed to Ashby's main operation as is, for the fields no model covers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ashby_connector.unified import enums

Raw = dict[str, Any]
Call = Callable[[str, dict[str, Any]], Any]
Writer = Callable[[Call, str | None, Raw, Raw | None], Raw]


class WriteInputError(ValueError):
    """A payload the write cannot send; ``field`` names the offending unified field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _body(pairs: dict[str, Any], payload: Raw) -> dict[str, Any]:
    body = {k: v for k, v in pairs.items() if v is not None}
    extra = payload.get("remoteFields")
    if isinstance(extra, dict):
        body.update(extra)
    return body


def _obj(value: Any) -> Raw:
    return value if isinstance(value, dict) else {}


def _need(payload: Raw, field: str) -> Any:
    if payload.get(field) in (None, ""):
        raise WriteInputError(field, f"{field} is required")
    return payload[field]


def _contact_name(payload: Raw) -> str | None:
    if payload.get("name"):
        return str(payload["name"])
    parts = [str(payload[k]) for k in ("firstName", "lastName") if payload.get(k)]
    return " ".join(parts) or None


# --- candidates / contacts -------------------------------------------------------------------
def create_candidate(call: Call, _id: str | None, p: Raw, _cur: Raw | None) -> Raw:
    name = _contact_name(p)
    if not name:
        raise WriteInputError("name", "name (or firstName/lastName) is required")
    body = {
        "name": name,
        "email": p.get("email"),
        "phoneNumber": p.get("phoneNumber"),
        "sourceId": p.get("sourceId"),
        "linkedInUrl": p.get("linkedInUrl"),
    }
    return _obj(call("candidate.create", _body(body, p)))


def update_candidate(call: Call, rid: str | None, p: Raw, cur: Raw | None) -> Raw:
    name = str(p["name"]) if p.get("name") else None
    if name is None and ("firstName" in p or "lastName" in p):
        # One half of the name may change alone: keep the other half from Ashby's current name.
        first, _, last = str((cur or {}).get("name") or "").partition(" ")
        halves = (p.get("firstName", first), p.get("lastName", last))
        name = " ".join(str(x) for x in halves if x) or None
    body = _body(
        {
            "candidateId": rid,
            "name": name,
            "email": p.get("email"),
            "phoneNumber": p.get("phoneNumber"),
            "sourceId": p.get("sourceId"),
        },
        p,
    )
    result = _set_tags(call, str(rid), p.get("tagIds"), cur) if "tagIds" in p else {}
    if len(body) > 1 or not result:
        result = _obj(call("candidate.update", body))
    return result


def _set_tags(call: Call, candidate_id: str, wanted: Any, cur: Raw | None) -> Raw:
    """``tagIds`` is the whole set: Ashby adds and removes one tag per request."""
    if not isinstance(wanted, list) or not all(isinstance(t, str) for t in wanted):
        raise WriteInputError("tagIds", "tagIds must be a list of tag ids")
    have = {
        t["id"] for t in (cur or {}).get("tags") or [] if isinstance(t, dict) and isinstance(t.get("id"), str)
    }
    result: Raw = {}
    for tag in sorted(set(wanted) - have):
        result = _obj(call("candidate.addTag", {"candidateId": candidate_id, "tagId": tag}))
    for tag in sorted(have - set(wanted)):
        result = _obj(call("candidate.removeTag", {"candidateId": candidate_id, "tagId": tag}))
    return result or ({"id": candidate_id} if wanted is not None else {})


def anonymize_candidate(call: Call, rid: str | None, _p: Raw, _cur: Raw | None) -> Raw:
    return _obj(call("candidate.anonymize", {"candidateId": rid}))


# --- jobs ------------------------------------------------------------------------------------
def _job_status(p: Raw) -> str | None:
    if p.get("status") is None:
        return None
    try:
        return enums.JOB_STATUS_TO_ASHBY[enums.JobStatus(p["status"])]
    except ValueError:
        allowed = [s.value for s in enums.JobStatus]
        raise WriteInputError("status", f"status must be one of {allowed}") from None


def create_job(call: Call, _id: str | None, p: Raw, _cur: Raw | None) -> Raw:
    body = {
        "title": _need(p, "title"),
        "teamId": _need(p, "departmentId"),
        "locationId": _need(p, "locationId"),
    }
    job = _obj(call("job.create", _body(body, p)))
    status = _job_status(p)
    if status and status != job.get("status"):
        job = _obj(call("job.setStatus", {"jobId": job.get("id"), "status": status}))
    return job


def update_job(call: Call, rid: str | None, p: Raw, _cur: Raw | None) -> Raw:
    status = _job_status(p)
    body = {
        "jobId": rid,
        "title": p.get("title"),
        "teamId": p.get("departmentId"),
        "locationId": p.get("locationId"),
        "customRequisitionId": p.get("requisitionId"),
    }
    job = _obj(call("job.update", _body(body, p)))
    if status and status != job.get("status"):
        job = _obj(call("job.setStatus", {"jobId": rid, "status": status}))
    return job


def archive_job(call: Call, rid: str | None, _p: Raw, cur: Raw | None) -> Raw:
    # Ashby allows Open -> Closed -> Archived only; close an open job first.
    if cur and cur.get("status") == "Open":
        call("job.setStatus", {"jobId": rid, "status": "Closed"})
    return _obj(call("job.setStatus", {"jobId": rid, "status": "Archived"}))


# --- applications ----------------------------------------------------------------------------
def create_application(call: Call, _id: str | None, p: Raw, _cur: Raw | None) -> Raw:
    body = {
        "candidateId": _need(p, "candidateId"),
        "jobId": _need(p, "jobId"),
        "sourceId": p.get("sourceId"),
        "interviewStageId": p.get("stageId"),
        "creditedToUserId": p.get("creditedToId"),
    }
    created = _obj(call("application.create", _body(body, p)))
    for field, role in _TEAM_FIELDS.items():
        if p.get(field) and isinstance(created.get("id"), str):
            created = _set_team_member(call, created["id"], role, str(p[field]), created)
    return created


# Unified application fields that are hiring-team roles (Ashby's role titles).
_TEAM_FIELDS = {"recruiterId": "Recruiter", "coordinatorId": "Coordinator"}


def _role_id(call: Call, title: str) -> str:
    roles = call("applicationHiringTeamRole.list", {})
    for role in roles if isinstance(roles, list) else []:
        if isinstance(role, dict) and role.get("title") == title and isinstance(role.get("id"), str):
            return str(role["id"])
    raise WriteInputError(
        _field_of_role(title), f"the Ashby account has no {title!r} hiring team role to assign"
    )


def _field_of_role(title: str) -> str:
    return next(f for f, t in _TEAM_FIELDS.items() if t == title)


def _set_team_member(call: Call, application_id: str, role: str, user_id: str, cur: Raw | None) -> Raw:
    """Make ``user_id`` the application's one ``role``: add them, then remove whoever held it."""
    role_id = _role_id(call, role)
    holders = [
        str(m["userId"])
        for m in (cur or {}).get("hiringTeam") or []
        if isinstance(m, dict) and m.get("role") == role and m.get("userId")
    ]
    if holders == [user_id]:
        return dict(cur or {})
    ids = {"applicationId": application_id, "roleId": role_id}
    call("application.addHiringTeamMember", {**ids, "teamMemberId": user_id})
    for old in holders:
        if old != user_id:
            call("application.removeHiringTeamMember", {**ids, "teamMemberId": old})
    return {"id": application_id}


def update_application(call: Call, rid: str | None, p: Raw, cur: Raw | None) -> Raw:
    result: Raw = {}
    if p.get("stageId"):
        result = _obj(
            call(
                "application.changeStage",
                {
                    k: v
                    for k, v in {
                        "applicationId": rid,
                        "interviewStageId": p["stageId"],
                        "archiveReasonId": p.get("rejectReasonId"),
                    }.items()
                    if v
                },
            )
        )
    if p.get("sourceId"):
        result = _obj(call("application.changeSource", {"applicationId": rid, "sourceId": p["sourceId"]}))
    for field, role in _TEAM_FIELDS.items():
        if p.get(field):
            result = _set_team_member(call, str(rid), role, str(p[field]), cur)
    rest = _body({"applicationId": rid, "creditedToUserId": p.get("creditedToId")}, p)
    if len(rest) > 1 or not result:
        result = _obj(call("application.update", rest))
    return result


def update_job_posting(call: Call, rid: str | None, p: Raw, _cur: Raw | None) -> Raw:
    workplace = _workplace(p)
    html = p.get("descriptionHtml")
    if html is not None and not isinstance(html, str):
        raise WriteInputError("descriptionHtml", "descriptionHtml must be HTML text")
    body = {
        "jobPostingId": rid,
        "title": p.get("title"),
        "workplaceType": workplace,
        "description": {"type": "text/html", "content": html} if html else None,
    }
    return _obj(call("jobPosting.update", _body(body, p)))


def delete_application(call: Call, rid: str | None, _p: Raw, _cur: Raw | None) -> Raw:
    call("application.delete", {"applicationId": rid})
    return {"id": rid}


# --- interviews / schedule events ------------------------------------------------------------
def _event_body(p: Raw, type_field: str) -> dict[str, Any]:
    emails = p.get("interviewerEmails")
    if not isinstance(emails, list) or not emails or not all(isinstance(e, str) for e in emails):
        raise WriteInputError("interviewerEmails", "interviewerEmails must be a non-empty list of emails")
    event = {
        "startTime": _need(p, "startTime"),
        "endTime": _need(p, "endTime"),
        "interviewers": [{"email": e} for e in emails],
        "interviewId": p.get(type_field),
    }
    return {k: v for k, v in event.items() if v is not None}


def _first_event(schedule: Raw, prefer: str | None = None) -> Raw:
    events = [e for e in schedule.get("interviewEvents") or [] if isinstance(e, dict)]
    chosen = next((e for e in events if e.get("id") == prefer), events[0] if events else {"id": prefer})
    return {
        **chosen,
        "interviewScheduleId": schedule.get("id"),
        "applicationId": schedule.get("applicationId"),
        "status": schedule.get("status"),
    }


def schedule_writer(type_field: str) -> tuple[Writer, Writer, Writer]:
    """Create/update/delete writers for an interview event (scheduleEvent or atsInterview)."""

    def create(call: Call, _id: str | None, p: Raw, _cur: Raw | None) -> Raw:
        body = _body(
            {"applicationId": _need(p, "applicationId"), "interviewEvents": [_event_body(p, type_field)]}, p
        )
        return _first_event(_obj(call("interviewSchedule.create", body)))

    def update(call: Call, rid: str | None, p: Raw, cur: Raw | None) -> Raw:
        schedule_id = (cur or {}).get("interviewScheduleId") or p.get("scheduleId")
        if not schedule_id:
            raise WriteInputError("scheduleId", "the event's schedule is unknown; pass scheduleId")
        event = {"interviewEventId": rid, **_event_body({**_merge_current(cur), **p}, type_field)}
        body = _body({"interviewScheduleId": schedule_id, "interviewEvent": event}, p)
        return _first_event(_obj(call("interviewSchedule.update", body)), prefer=rid)

    def delete(call: Call, rid: str | None, p: Raw, cur: Raw | None) -> Raw:
        schedule_id = (cur or {}).get("interviewScheduleId") or p.get("scheduleId")
        if not schedule_id:
            raise WriteInputError("scheduleId", "the event's schedule is unknown; pass scheduleId")
        return _first_event(_obj(call("interviewSchedule.cancel", {"id": schedule_id})), prefer=rid)

    return create, update, delete


def _merge_current(cur: Raw | None) -> Raw:
    """The stored event's times and interviewers, so a PATCH may send only what changes."""
    if not cur:
        return {}
    emails = [i.get("email") for i in cur.get("interviewers") or [] if isinstance(i, dict) and i.get("email")]
    return {"startTime": cur.get("startTime"), "endTime": cur.get("endTime"), "interviewerEmails": emails}


# --- offers ----------------------------------------------------------------------------------
def create_offer(call: Call, _id: str | None, p: Raw, _cur: Raw | None) -> Raw:
    # Ashby's offer creation is three steps: open an offer process, start an offer form, fill it.
    application_id = _need(p, "applicationId")
    form = p.get("offerForm")
    if not isinstance(form, dict):
        raise WriteInputError("offerForm", "offerForm (the offer form's field submissions) is required")
    process = _obj(call("offerProcess.start", {"applicationId": application_id}))
    started = _obj(call("offer.start", {"offerProcessId": process.get("id")}))
    body = {"offerProcessId": process.get("id"), "offerFormId": started.get("id"), "offerForm": form}
    return _obj(call("offer.create", _body(body, p)))


def update_offer(call: Call, rid: str | None, p: Raw, _cur: Raw | None) -> Raw:
    form = p.get("offerForm")
    if not isinstance(form, dict):
        raise WriteInputError("offerForm", "offerForm is required to update an offer")
    return _obj(call("offer.update", _body({"offerId": rid, "offerForm": form}, p)))


# --- notes, scorecards -----------------------------------------------------------------------
def create_note(call: Call, _id: str | None, p: Raw, _cur: Raw | None) -> Raw:
    candidate_id = _need(p, "candidateId")
    body = {"candidateId": candidate_id, "note": _need(p, "content"), "isPrivate": p.get("isPrivate")}
    return {**_obj(call("candidate.createNote", _body(body, p))), "candidateId": candidate_id}


def submit_scorecard(call: Call, _id: str | None, p: Raw, _cur: Raw | None) -> Raw:
    body = {
        "applicationId": _need(p, "applicationId"),
        "formDefinitionId": p.get("formDefinitionId"),
        "userId": p.get("interviewerId"),
        "interviewEventId": p.get("interviewEventId"),
        "feedbackForm": {
            "fieldSubmissions": [{"path": k, "value": v} for k, v in _obj(p.get("answers")).items()]
        },
    }
    result = _obj(call("applicationFeedback.submit", _body(body, p)))
    instance = _obj(result.get("submittedFormInstance"))
    return {**instance, "applicationId": p["applicationId"], "id": instance.get("id") or result.get("id")}


# --- organisation metadata -------------------------------------------------------------------
def create_department(call: Call, _id: str | None, p: Raw, _cur: Raw | None) -> Raw:
    body = {"name": _need(p, "name"), "parentId": p.get("parentId"), "externalName": p.get("externalName")}
    return _obj(call("department.create", _body(body, p)))


def update_department(call: Call, rid: str | None, p: Raw, _cur: Raw | None) -> Raw:
    body = {"departmentId": rid, "name": p.get("name"), "externalName": p.get("externalName")}
    return _obj(call("department.update", _body(body, p)))


def archive_department(call: Call, rid: str | None, _p: Raw, _cur: Raw | None) -> Raw:
    return _obj(call("department.archive", {"departmentId": rid}))


def _workplace(p: Raw) -> str | None:
    """Ashby's workplaceType for the unified one in ``p`` (None when not given)."""
    if p.get("workplaceType") is None:
        return None
    reverse = {v.value: k for k, v in enums.WORKPLACE_TYPE.items()}
    if p["workplaceType"] not in reverse:
        raise WriteInputError("workplaceType", f"workplaceType must be one of {sorted(reverse)}")
    return reverse[p["workplaceType"]]


def create_location(call: Call, _id: str | None, p: Raw, _cur: Raw | None) -> Raw:
    workplace = _workplace(p)
    body = {
        "name": _need(p, "name"),
        "type": "Location",
        "isRemote": p.get("isRemote"),
        "workplaceType": workplace,
        "parentLocationId": p.get("parentId"),
        "externalName": p.get("externalName"),
    }
    return _obj(call("location.create", _body(body, p)))


def update_location(call: Call, rid: str | None, p: Raw, cur: Raw | None) -> Raw:
    result: Raw = dict(cur or {"id": rid})
    if p.get("name"):
        result = _obj(call("location.updateName", {"locationId": rid, "name": p["name"]}))
    if p.get("externalName"):
        body = {"locationId": rid, "externalName": p["externalName"]}
        result = _obj(call("location.updateExternalName", body))
    return result


def archive_location(call: Call, rid: str | None, _p: Raw, _cur: Raw | None) -> Raw:
    return _obj(call("location.archive", {"locationId": rid}))


def create_tag(call: Call, _id: str | None, p: Raw, _cur: Raw | None) -> Raw:
    return _obj(call("candidateTag.create", _body({"title": _need(p, "name")}, p)))


def archive_tag(call: Call, rid: str | None, _p: Raw, _cur: Raw | None) -> Raw:
    return _obj(call("candidateTag.archive", {"tagId": rid}))
