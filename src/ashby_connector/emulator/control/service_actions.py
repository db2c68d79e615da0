"""Control-API actions for the extras (``POST /_emulator/<action>``, admin key as Bearer).

webhooks/deliveries, webhooks/wait, webhooks/emit, candidates/merge, files/expire_uploads,
reports/list, reports/fail_next, assessments/partner, assessments/start, assessments/cancel,
assessments/log (UI-only events live in control/ui_events.py). Each is listed by name in
control/actions.py.
"""

from __future__ import annotations

from typing import Any

from ashby_connector import catalog
from ashby_connector.emulator.delivery.assessments import assessment_service
from ashby_connector.emulator.delivery.reports import REPORTS
from ashby_connector.emulator.delivery.services import file_store, report_service, webhook_sender
from ashby_connector.emulator.organisation import Emulator

JSON = dict[str, Any]


def deliveries(emu: Emulator, args: JSON) -> JSON:
    """Every delivery attempt so far, pings included: ``{"action"?: type}`` filters."""
    return {"deliveries": webhook_sender(emu.state).deliveries(action=args.get("action"))}


def wait(emu: Emulator, args: JSON) -> JSON:
    """Block until no delivery is queued or in flight: ``{"timeout"?: seconds}`` (default 10)."""
    return {"idle": webhook_sender(emu.state).wait_idle(float(args.get("timeout", 10.0)))}


def settings(emu: Emulator, args: JSON) -> JSON:
    return {"webhooks": [s.to_api(with_secret=False) for s in webhook_sender(emu.state).settings()]}


def emit(emu: Emulator, args: JSON) -> JSON:
    """Send any webhook type by hand: ``{"webhookType", "data"}`` (related ones follow)."""
    kind = str(args["webhookType"])
    catalog.webhook(kind)  # raises on an unknown type
    data = args.get("data") or {}
    if not isinstance(data, dict):
        raise TypeError("data must be an object")
    webhook_sender(emu.state)  # make sure the sender listens before the event goes out
    return {"webhookActionId": emu.state.emit(kind, data)}


def merge(emu: Emulator, args: JSON) -> JSON:
    """Merge one candidate into another as Ashby's UI does (its API has no merge):
    ``{"deletedCandidateId", "mergedCandidateId"}``. Applications, tags, contacts, files and notes
    move to the kept candidate; the other id disappears; ``candidateMerge`` is sent."""
    state = emu.state
    gone_id, kept_id = str(args["deletedCandidateId"]), str(args["mergedCandidateId"])
    if gone_id == kept_id:
        raise ValueError("cannot merge a candidate into itself")
    gone, kept = state.get("candidate", gone_id), state.get("candidate", kept_id)
    if gone is None or kept is None:
        raise KeyError(f"candidate {gone_id if gone is None else kept_id} not found")
    for field in ("applicationIds", "tags", "emailAddresses", "phoneNumbers", "socialLinks", "fileHandles"):
        have = kept.setdefault(field, [])
        for item in gone.get(field, []):
            if item not in have:
                if isinstance(item, dict) and "isPrimary" in item:
                    item = {**item, "isPrimary": False}
                have.append(item)
    apps = state.kinds["application"]
    for app_id in gone.get("applicationIds", []):
        app = state.get("application", app_id)
        if app is not None:
            app["candidate"] = {**app.get("candidate", {}), "id": kept_id, "name": kept.get("name", "")}
            state.put("application", app)
            apps.drop_index("candidateId", gone_id, app_id)
            apps.add_index("candidateId", kept_id, app_id)
    for note_id in state.children("candidateNote", gone_id):
        note = state.get("candidateNote", note_id)
        state.delete("candidateNote", note_id)
        if note is not None:
            state.put("candidateNote", note, parent=kept_id, touch=False)
    projects: dict[str, list[str]] = state.extras.setdefault("candidate_projects", {})
    for project_id in projects.pop(gone_id, []):
        if project_id not in projects.setdefault(kept_id, []):
            projects[kept_id].append(project_id)
    state.put("candidate", kept)
    state.delete("candidate", gone_id)
    action_id = state.emit(
        "candidateMerge", {"deletedCandidate": {"id": gone_id}, "mergedCandidate": {"id": kept_id}}
    )
    return {"webhookActionId": action_id, "candidate": state.get("candidate", kept_id)}


def expire_uploads(emu: Emulator, args: JSON) -> JSON:
    """Make every pending upload URL expired (Ashby's are valid 10 minutes)."""
    return {"expired": file_store(emu.state).expire_uploads()}


def reports(emu: Emulator, args: JSON) -> JSON:
    """The built-in reports' ids and titles, for ``report.generate`` / ``report.synchronous``."""
    return {"reports": [{"id": r.id, "title": r.title, "kind": r.kind} for r in REPORTS]}


def fail_next(emu: Emulator, args: JSON) -> JSON:
    """The next report started ends ``failed``: ``{"reason"?: str}``."""
    report_service(emu.state).fail_next(str(args.get("reason") or "The report could not be generated"))
    return {}


def partner(emu: Emulator, args: JSON) -> JSON:
    """Configure the assessment partner: ``{"url", "partnerId"?, "assessmentTypeId"?, "apiKey"?,
    "stageIds"?: [...]}``. Moving an application into one of ``stageIds`` starts an assessment."""
    return assessment_service(emu.state).configure(args)


def start(emu: Emulator, args: JSON) -> JSON:
    """Call the partner's ``assessment.start`` for ``{"applicationId", "assessmentTypeId"?}``."""
    return assessment_service(emu.state).start(str(args["applicationId"]), args.get("assessmentTypeId"))


def cancel(emu: Emulator, args: JSON) -> JSON:
    """Call the partner's ``assessment.cancel`` for ``{"assessmentId"}``."""
    return assessment_service(emu.state).cancel(str(args["assessmentId"]))


def log(emu: Emulator, args: JSON) -> JSON:
    """Calls made to the partner (with its answers) and the assessments Ashby knows about."""
    return assessment_service(emu.state).snapshot()
