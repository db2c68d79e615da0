"""``candidate.*`` writes: create, update, tags, projects, notes, files, emails, fraud, anonymize,
and the HRIS push. Ashby has no candidate delete; anonymize is the only way to erase one."""

from __future__ import annotations

from typing import Any

from ashby_connector.emulator.delivery.services import file_store
from ashby_connector.emulator.errors import ApiError, invalid_input
from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.handlers.lookups import (
    acting_user,
    emit,
    new_candidate,
    offers_of,
    require,
    source_summary,
    user_summary,
)
from ashby_connector.emulator.handlers.registry import handler
from ashby_connector.emulator.records.kind_store import Record

_ANONYMIZED = "anonymized_candidates"
_PROJECTS = "candidate_projects"
_SOCIAL = {"linkedInUrl": "LinkedIn", "githubUrl": "GitHub", "website": "Website", "websiteUrl": "Website"}


def candidate(ctx: Ctx, ident: Any = None) -> Record:
    return require(ctx, "candidate", ident if ident is not None else ctx.need("candidateId"))


def writable_candidate(ctx: Ctx, ident: Any = None) -> Record:
    """The candidate, refusing any change once it was anonymized (Ashby's anonymize is final)."""
    rec = candidate(ctx, ident)
    if rec["id"] in ctx.state.extras.get(_ANONYMIZED, set()):
        raise ApiError("candidate_anonymized", f"candidate {rec['id']} was anonymized and cannot change")
    return rec


def save(ctx: Ctx, rec: Record) -> Record:
    ctx.state.put("candidate", rec)
    return ctx.view("candidate", rec["id"])


def _contact(value: str, kind: str = "Personal") -> Record:
    return {"value": value, "type": kind, "isPrimary": True}


def _set_email(rec: Record, email: str) -> None:
    others = [e for e in rec.get("emailAddresses", []) if e.get("value") != email]
    for e in others:
        e["isPrimary"] = False
    primary = _contact(email)
    rec["primaryEmailAddress"] = primary
    rec["emailAddresses"] = [primary, *others]


def _set_phone(rec: Record, phone: str) -> None:
    others = [p for p in rec.get("phoneNumbers", []) if p.get("value") != phone]
    for p in others:
        p["isPrimary"] = False
    primary = _contact(phone, "Mobile")
    rec["primaryPhoneNumber"] = primary
    rec["phoneNumbers"] = [primary, *others]


def _set_social(rec: Record, kind: str, url: str) -> None:
    links = [link for link in rec.get("socialLinks", []) if link.get("type") != kind]
    rec["socialLinks"] = [*links, {"type": kind, "url": url}]


def _location(ctx: Ctx, value: dict[str, Any]) -> Record:
    components = [
        {"type": t, "name": value[k]}
        for k, t in (("city", "City"), ("region", "Region"), ("country", "Country"))
        if value.get(k)
    ]
    return {
        "id": ctx.state.new_id(),
        "locationSummary": ", ".join(c["name"] for c in components),
        "locationComponents": components,
    }


def _apply_fields(ctx: Ctx, rec: Record) -> None:
    """Copy the create/update request fields Ashby accepts onto the record."""
    body = ctx.body
    if body.get("name") is not None:
        if not str(body["name"]).strip():
            raise invalid_input("name", "must not be empty")
        rec["name"] = body["name"]
    if body.get("email"):
        _set_email(rec, body["email"])
        # candidate.search looks primary emails up in this index (the generator fills it too).
        ctx.state.kinds["candidate"].add_index("email", str(body["email"]).strip().lower(), rec["id"])
    for alt in [
        *body.get("alternateEmailAddresses", []),
        *([body["alternateEmail"]] if body.get("alternateEmail") else []),
    ]:
        if all(e.get("value") != alt for e in rec.get("emailAddresses", [])):
            rec.setdefault("emailAddresses", []).append(
                {"value": alt, "type": "Personal", "isPrimary": False}
            )
    if body.get("phoneNumber"):
        _set_phone(rec, body["phoneNumber"])
    for field, kind in _SOCIAL.items():
        if body.get(field):
            _set_social(rec, kind, body[field])
    for link in body.get("socialLinks", []) or []:
        _set_social(rec, link["type"], link["url"])
    if isinstance(body.get("location"), dict):
        rec["location"] = _location(ctx, body["location"])
    if body.get("sourceId"):
        rec["source"] = source_summary(ctx, body["sourceId"])
    if body.get("creditedToUserId"):
        rec["creditedToUser"] = user_summary(require(ctx, "user", body["creditedToUserId"]))
    if body.get("createdAt"):
        rec["createdAt"] = body["createdAt"]


@handler("candidate.create")
def create(ctx: Ctx) -> Record:
    rec = new_candidate(ctx, "")
    _apply_fields(ctx, rec)
    return save(ctx, rec)


@handler("candidate.update")
def update(ctx: Ctx) -> Record:
    rec = writable_candidate(ctx)
    _apply_fields(ctx, rec)
    return save(ctx, rec)


@handler("candidate.addTag")
def add_tag(ctx: Ctx) -> Record:
    rec = writable_candidate(ctx)
    tag = require(ctx, "candidateTag", ctx.need("tagId"))
    if all(t.get("id") != tag["id"] for t in rec.get("tags", [])):
        rec.setdefault("tags", []).append(
            {"id": tag["id"], "title": tag["title"], "isArchived": tag["isArchived"]}
        )
    return save(ctx, rec)


@handler("candidate.removeTag")
def remove_tag(ctx: Ctx) -> Record:
    rec = writable_candidate(ctx)
    tag_id = ctx.need("tagId")
    rec["tags"] = [t for t in rec.get("tags", []) if t.get("id") != tag_id]
    return save(ctx, rec)


@handler("candidate.addProject", "candidate.removeProject")
def project_membership(ctx: Ctx) -> Record:
    rec = writable_candidate(ctx)
    project = require(ctx, "project", ctx.need("projectId"))
    members: dict[str, list[str]] = ctx.state.extras.setdefault(_PROJECTS, {})
    ids = members.setdefault(rec["id"], [])
    if ctx.op.method == "addProject" and project["id"] not in ids:
        ids.append(project["id"])
    elif ctx.op.method == "removeProject" and project["id"] in ids:
        ids.remove(project["id"])
    return save(ctx, rec)


@handler("candidate.createNote")
def create_note(ctx: Ctx) -> Record:
    rec = writable_candidate(ctx)
    note = ctx.need("note")
    content = note if isinstance(note, str) else str(note.get("value", ""))
    author = acting_user(ctx)
    record: Record = {
        "id": ctx.state.new_id(),
        "createdAt": ctx.arg("createdAt") or ctx.state.now_iso(),
        "content": content,
        "isPrivate": bool(ctx.arg("isPrivate", False)),
        "author": {
            k: v for k, v in user_summary(author).items() if k in ("id", "firstName", "lastName", "email")
        }
        if author
        else {"id": ctx.state.new_id(), "firstName": "API", "lastName": "Key"},
    }
    ctx.state.put("candidateNote", record, parent=rec["id"])
    save(ctx, rec)  # a new note is a change to the candidate for incremental sync
    return record


def _attach(ctx: Ctx, field: str, handle_field: str, context: str) -> Record:
    """uploadFile / uploadResume: a handle from the upload flow, or the deprecated multipart file."""
    rec = writable_candidate(ctx)
    store = file_store(ctx.state)
    upload = ctx.files.get(field)
    if upload is not None:
        stored = store.store(
            filename=upload.filename, content_type=upload.content_type, data=upload.data, context=context
        )
    else:
        handle = ctx.need(handle_field)
        found = store.get(handle)
        if found is None:
            raise ApiError("file_not_found", f"No uploaded file with handle {handle}", field=handle_field)
        stored = found
    entry = {"id": ctx.state.new_id(), "name": stored.filename, "handle": stored.handle}
    rec.setdefault("fileHandles", []).append(entry)
    if field == "resume":
        rec["resumeFileHandle"] = entry
    return save(ctx, rec)


@handler("candidate.uploadResume")
def upload_resume(ctx: Ctx) -> Record:
    return _attach(ctx, "resume", "resumeHandle", "CandidateResume")


@handler("candidate.uploadFile")
def upload_file(ctx: Ctx) -> Record:
    return _attach(ctx, "file", "fileHandle", "CandidateFiles")


@handler("candidate.addEmailMessage")
def add_email_message(ctx: Ctx) -> Record:
    rec = writable_candidate(ctx)
    message: Record = {
        "id": ctx.state.new_id(),
        "candidateId": rec["id"],
        "emailProviderEmailId": ctx.need("emailProviderEmailId"),
        "subject": ctx.need("subject"),
        "from": ctx.need("from"),
        "to": ctx.need("to"),
        "body": ctx.need("body"),
        "sentAt": ctx.arg("sentAt") or ctx.state.now_iso(),
        "isPrivate": bool(ctx.arg("isPrivate", False)),
        "userIsSender": ctx.arg("userId") is not None,
        "threadId": ctx.arg("threadId") or ctx.state.new_id(),
    }
    for name in ("cc", "messageIdHeader", "messageUrl"):
        if ctx.arg(name) is not None:
            message[name] = ctx.arg(name)
    ctx.state.extras.setdefault("candidate_emails", {}).setdefault(rec["id"], []).append(message)
    save(ctx, rec)
    return message


@handler("candidate.setFraudStatus")
def set_fraud_status(ctx: Ctx) -> Record:
    rec = writable_candidate(ctx)
    rec["fraudStatus"] = ctx.need("fraudStatus")
    return save(ctx, rec)


@handler("candidate.anonymize")
def anonymize(ctx: Ctx) -> Record:
    rec = writable_candidate(ctx)
    for app_id in rec.get("applicationIds", []):
        app = ctx.state.get("application", app_id)
        if app is not None and app.get("status") not in ("Archived", "Hired"):
            raise ApiError(
                "candidate_has_active_applications",
                "Every application must be Archived or Hired before a candidate can be anonymized",
                meta={"applicationId": app_id, "status": app.get("status")},
            )
    for field in (
        "primaryEmailAddress",
        "primaryPhoneNumber",
        "location",
        "resumeFileHandle",
        "company",
        "position",
        "school",
        "timezone",
    ):
        rec.pop(field, None)
    rec.update(
        name="Anonymized Candidate",
        emailAddresses=[],
        phoneNumbers=[],
        socialLinks=[],
        fileHandles=[],
        customFields=[],
    )
    for note_id in ctx.state.children("candidateNote", rec["id"]):
        ctx.state.delete("candidateNote", note_id)
    ctx.state.extras.setdefault(_ANONYMIZED, set()).add(rec["id"])
    for app_id in rec.get("applicationIds", []):
        app = ctx.state.get("application", app_id)
        if app is not None and isinstance(app.get("candidate"), dict):
            app["candidate"] = {"id": rec["id"], "name": rec["name"]}
            ctx.state.put("application", app)
    return save(ctx, rec)


@handler("candidate.pushToHris")
def push_to_hris(ctx: Ctx) -> Record:
    app_id = ctx.arg("applicationId")
    if app_id is None:
        owner = candidate(ctx)
        hired = [a for a in (ctx.state.get("application", i) for i in owner.get("applicationIds", [])) if a]
        hired = [a for a in hired if a.get("status") == "Hired"]
        if not hired:
            raise ApiError("candidate_hris_push_failed", "The candidate has no hired application to push")
        app = hired[0]
    else:
        app = require(ctx, "application", app_id, code="application_not_found")
    offers = offers_of(ctx.state, app["id"])
    if app.get("status") != "Hired" or (offers and offers[-1].get("acceptanceStatus") != "Accepted"):
        raise ApiError(
            "candidate_hris_push_blocked_by_offer_status",
            "Only hired candidates with an accepted offer can be pushed to the HRIS",
        )
    emit(ctx, "pushToHRIS", {"application": ctx.view("application", app["id"])})
    return {"applicationId": app["id"], "pushed": True}
