"""The assessment partner flow.

Ashby calls a partner's ``assessment.start`` / ``assessment.cancel`` (the partner implements them);
the partner reports back through ``assessment.update`` and ``assessment.addCompletedToCandidate``.
The emulator plays Ashby's side: it calls the partner URL set through the control API, on demand or
when an application enters a configured stage, on a background thread (a partner that calls back
into the emulator while answering must not deadlock it), and records every call and answer,
including the partner's 409 (already being assessed) and 422 (a message for the user).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from ashby_connector.emulator.errors import ApiError
from ashby_connector.emulator.records.state import State

JSON = dict[str, Any]
_KEY = "assessment_service"


@dataclass
class PartnerConfig:
    url: str | None = None
    partner_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    assessment_type_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    api_key: str | None = None
    stage_ids: set[str] = field(default_factory=set)
    timeout_seconds: float = 10.0
    # What the partner offers, asked when it is registered (its assessment.list and
    # assessment.customField.list), as Ashby does before a recruiter can pick an assessment.
    assessment_types: list[JSON] = field(default_factory=list)
    custom_fields: list[JSON] = field(default_factory=list)

    def to_json(self) -> JSON:
        return {
            "url": self.url,
            "partnerId": self.partner_id,
            "assessmentTypeId": self.assessment_type_id,
            "stageIds": sorted(self.stage_ids),
            "assessmentTypes": [dict(t) for t in self.assessment_types],
            "customFields": [dict(f) for f in self.custom_fields],
        }


class AssessmentService:
    def __init__(self, state: State) -> None:
        self.state = state
        self.partner = PartnerConfig()
        self.calls: list[JSON] = []
        # assessment_id -> what Ashby knows about it (started by the partner or reported done)
        self.assessments: dict[str, JSON] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    # -- control API ------------------------------------------------------------------------

    def configure(self, args: JSON) -> JSON:
        """Register (or change) the partner. A new URL is what registering a partner in Ashby
        is: Ashby then asks the partner what it offers before any assessment is started."""
        p = self.partner
        registered = "url" in args and bool(args["url"]) and str(args["url"]) != p.url
        if "url" in args:
            p.url = str(args["url"]) if args["url"] else None
        if args.get("partnerId"):
            p.partner_id = str(args["partnerId"])
        if args.get("assessmentTypeId"):
            p.assessment_type_id = str(args["assessmentTypeId"])
        if "apiKey" in args:
            p.api_key = args["apiKey"] or None
        if "stageIds" in args:
            p.stage_ids = {str(s) for s in args["stageIds"] or []}
        if "timeoutSeconds" in args:
            p.timeout_seconds = float(args["timeoutSeconds"])
        if registered or args.get("discover"):
            self.discover(keep_type=bool(args.get("assessmentTypeId")))
        return {"partner": p.to_json()}

    def discover(self, *, keep_type: bool = False) -> None:
        """Ask the partner for its assessment types and custom fields (and wait for both answers);
        stage-triggered starts then use its first type unless one was named."""
        for operation in ("assessment.list", "assessment.customField.list"):
            self._join(self._call(operation, {}, None))
        if self.partner.assessment_types and not keep_type:
            self.partner.assessment_type_id = str(self.partner.assessment_types[0]["assessment_type_id"])

    def start(self, application_id: str, assessment_type_id: str | None = None) -> JSON:
        body = self._start_body(application_id, assessment_type_id or self.partner.assessment_type_id)
        return {"callId": self._call("assessment.start", body, application_id)}

    def cancel(self, assessment_id: str) -> JSON:
        known = self.assessments.get(assessment_id, {})
        return {
            "callId": self._call(
                "assessment.cancel", {"assessment_id": assessment_id}, known.get("applicationId")
            )
        }

    def on_stage_entered(self, application_id: str, stage_id: str) -> None:
        """Called by application writes: entering a configured stage starts an assessment."""
        if self.partner.url and stage_id in self.partner.stage_ids:
            self.start(application_id)

    def snapshot(self) -> JSON:
        with self._lock:
            return {
                "partner": self.partner.to_json(),
                "calls": [dict(c) for c in self.calls],
                "assessments": [dict(a) for a in self.assessments.values()],
            }

    def wait_idle(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self._threads)

    # -- calls into Ashby -------------------------------------------------------------------

    def add_completed(self, body: JSON) -> JSON:
        if body.get("partnerId") != self.partner.partner_id:
            raise ApiError("assessment_partner_not_found", f"No assessment partner {body.get('partnerId')}")
        cand = self.state.get("candidate", str(body.get("candidateId")))
        if cand is None:
            raise ApiError("candidate_not_found", f"candidate {body.get('candidateId')} not found")
        done = dict(body["assessment"])
        out: JSON = {"candidateId": cand["id"], **done}
        with self._lock:
            known = self.assessments.get(done["assessmentId"], {})
            if known.get("applicationId"):
                out["applicationId"] = known["applicationId"]
            self.assessments[done["assessmentId"]] = {
                **known,
                "assessmentId": done["assessmentId"],
                "candidateId": cand["id"],
                "status": "Completed",
                "completed": out,
                "timestamp": body.get("timestamp"),
            }
        self._store_on_candidate(cand, out)
        return out

    def update(self, body: JSON) -> JSON:
        assessment_id = str(body["assessment_id"])
        with self._lock:
            known = self.assessments.get(assessment_id)
            if known is None:
                raise ApiError("assessment_not_found", f"No started assessment {assessment_id}")
            for name in (
                "assessment_status",
                "assessment_result",
                "assessment_profile_url",
                "cancelled_reason",
            ):
                if body.get(name) is not None:
                    known[name] = body[name]
            if body.get("metadata") is not None:
                known["metadata"] = body["metadata"]
            # A result completes the assessment, a cancelled_reason cancels it (the spec's words).
            if body.get("assessment_result") is not None:
                known["status"] = "Completed"
            elif body.get("cancelled_reason") is not None:
                known["status"] = "Cancelled"
            elif known.get("status") == "Started" and body.get("assessment_status") is not None:
                known["status"] = "InProgress"
            known["timestamp"] = body["timestamp"]
            snapshot = dict(known)
        cand = self.state.get("candidate", str(snapshot.get("candidateId")))
        if cand is not None:
            self._store_on_candidate(cand, snapshot)
        return snapshot

    # -- internals --------------------------------------------------------------------------

    def _store_on_candidate(self, cand: JSON, result: JSON) -> None:
        # Ashby shows results on the candidate; here they live beside it, and the write moves
        # the candidate's updatedAt so a sync notices.
        per_candidate: dict[str, list[JSON]] = self.state.extras.setdefault("candidate_assessments", {})
        per_candidate.setdefault(cand["id"], []).append(result)
        self.state.put("candidate", cand)

    def _start_body(self, application_id: str, type_id: str) -> JSON:
        app = self.state.get("application", application_id)
        if app is None:
            raise KeyError(f"application {application_id} not found")
        cand = self.state.get("candidate", app["candidate"]["id"]) or app["candidate"]
        job = self.state.get("job", app["job"]["id"]) or app["job"]
        first, _, last = str(cand.get("name", "")).partition(" ")
        body: JSON = {
            "assessment_type_id": type_id,
            "candidate": {
                "ashby_id": cand["id"],
                "first_name": first,
                "last_name": last,
                "email": (cand.get("primaryEmailAddress") or {}).get("value", ""),
                "ashby_profile_url": cand.get("profileUrl", ""),
            },
            "application": {"ashby_id": app["id"], "status": app.get("status", "Active")},
            "job": {
                "ashby_id": job["id"],
                "name": job.get("title", ""),
                "ashby_job_url": f"https://app.ashbyhq.com/jobs/{job['id']}",
                "hiringTeam": job.get("hiringTeam", []),
            },
        }
        # The recruiter fills the partner's custom fields when sending the assessment.
        filled = {
            f["id"]: value for f in self.partner.custom_fields if (value := _field_value(f)) is not None
        }
        if filled:
            body["additional_fields"] = filled
        return body

    def _join(self, call_id: str) -> None:
        for thread in list(self._threads):
            if thread.name == f"emulator-assessment-{call_id}":
                thread.join(self.partner.timeout_seconds + 1.0)

    def _call(self, operation: str, body: JSON, application_id: str | None) -> str:
        if not self.partner.url:
            raise ValueError("no assessment partner configured (POST /_emulator/assessments/partner)")
        call: JSON = {
            "id": str(uuid.uuid4()),
            "operation": operation,
            "applicationId": application_id,
            "request": body,
            "status": "pending",
        }
        with self._lock:
            self.calls.append(call)
        thread = threading.Thread(
            target=self._send, args=(call,), name=f"emulator-assessment-{call['id']}", daemon=True
        )
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return str(call["id"])

    def _send(self, call: JSON) -> None:
        url = f"{str(self.partner.url).rstrip('/')}/{call['operation']}"
        auth = httpx.BasicAuth(self.partner.api_key, "") if self.partner.api_key else None
        try:
            with httpx.Client(timeout=self.partner.timeout_seconds, trust_env=False, auth=auth) as client:
                resp = client.post(url, json=call["request"])
        except httpx.HTTPError as exc:
            with self._lock:
                call.update(status="error", error=f"{type(exc).__name__}: {exc}")
            return
        try:
            answer: Any = resp.json()
        except ValueError:
            answer = resp.text
        with self._lock:
            call.update(statusCode=resp.status_code, response=answer)
            if resp.status_code == 409:
                call["status"] = "conflict"  # the candidate is already being assessed
            elif resp.status_code == 422:
                call["status"] = "rejected"
                call["message"] = _message(answer)  # what Ashby would show the user
            elif resp.is_success:
                call["status"] = "ok"
                self._record_answer(call, answer)
            else:
                call["status"] = "failed"

    def _record_answer(self, call: JSON, answer: Any) -> None:
        if call["operation"] == "assessment.list":
            found = answer.get("results") if isinstance(answer, dict) else None
            self.partner.assessment_types = (
                [dict(t) for t in found or [] if isinstance(t, dict) and t.get("assessment_type_id")]
                if isinstance(found, list)
                else []
            )
            return
        if call["operation"] == "assessment.customField.list":
            fields = answer.get("fields") if isinstance(answer, dict) else None
            self.partner.custom_fields = (
                [dict(f) for f in fields or [] if isinstance(f, dict) and f.get("id")]
                if isinstance(fields, list)
                else []
            )
            return
        results = answer.get("results", answer) if isinstance(answer, dict) else {}
        if not isinstance(results, dict):
            return
        if call["operation"] == "assessment.start" and results.get("assessment_id"):
            request = call["request"]
            self.assessments[str(results["assessment_id"])] = {
                "assessment_id": str(results["assessment_id"]),
                "applicationId": request["application"]["ashby_id"],
                "candidateId": request["candidate"]["ashby_id"],
                "assessmentTypeId": request["assessment_type_id"],
                "status": "Started",
            }
        elif call["operation"] == "assessment.cancel":
            known = self.assessments.get(str(call["request"]["assessment_id"]))
            if known is not None:
                known["status"] = "Cancelled"


def _field_value(definition: JSON) -> Any:
    """What a recruiter picks for one of the partner's custom fields: its first option, or a
    plain value of its type."""
    options = [
        o["key"] for o in definition.get("possible_values") or [] if isinstance(o, dict) and "key" in o
    ]
    kind = definition.get("type")
    if kind == "MultiValueSelect":
        return options[:1] or None
    if options:
        return options[0]
    return _PLAIN_VALUES.get(str(kind))


_PLAIN_VALUES: dict[str, Any] = {
    "String": "Standard",
    "LongText": "Please focus on the backend exercise.",
    "Number": 1,
    "Score": 3,
    "Boolean": True,
    "Date": "2026-02-02",
    "Email": "recruiting@emulated-org.com",
    "Url": "https://emulated-org.com/careers",
}


def _message(answer: Any) -> str:
    if isinstance(answer, dict):
        for key in ("message", "error", "errorMessage"):
            if isinstance(answer.get(key), str):
                return str(answer[key])
        info = answer.get("errorInfo")
        if isinstance(info, dict) and isinstance(info.get("message"), str):
            return str(info["message"])
    return str(answer)


def assessment_service(state: State) -> AssessmentService:
    service = state.extras.get(_KEY)
    if isinstance(service, AssessmentService):
        return service
    with state.lock:
        service = state.extras.get(_KEY)
        if not isinstance(service, AssessmentService):
            service = AssessmentService(state)
            state.extras[_KEY] = service
        return service
