"""A connection as an Ashby assessment partner: the set-up, and the endpoints Ashby calls.

Ashby calls ``<partnerUrl>/assessment.start``, ``/assessment.list``, ``/assessment.cancel`` and
``/assessment.customField.list`` with HTTP Basic auth (the partner key as username). ``handle``
answers them as the spec's partner-side schemas say, framework-free: the server route only passes
the raw body and the Authorization header in, and the status and JSON out. A start is recorded (in
one transaction) before it is answered; the tenant learns of it through ``publish``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError

from ashby_connector.core.assessments.models import (
    CancelRequest,
    PartnerSetupIn,
    StartRequest,
    epoch_ms,
    iso,
)
from ashby_connector.core.errors import CoreError
from ashby_connector.store.assessments import (
    AlreadyBeingAssessedError,
    AssessmentRepository,
    PartnerRow,
)

# (connection_id, event type such as "assessment.started", the assessment as the API shows it)
Publish = Callable[[str, str, dict[str, Any]], None]

PARTNER_OPERATIONS = (
    "assessment.start",
    "assessment.list",
    "assessment.cancel",
    "assessment.customField.list",
)
KEY_PREFIX = "apk_"


class PartnerExistsError(CoreError):
    """The connection is already an assessment partner (its key was given out once): 409."""

    def __init__(self, connection_id: str) -> None:
        super().__init__(
            409,
            "partner_exists",
            "the connection is already an assessment partner; DELETE it first to get a new key",
            "connection_id",
        )
        self.connection_id = connection_id


@dataclass(frozen=True)
class PartnerAnswer:
    """What the partner endpoint answers Ashby."""

    status_code: int
    body: dict[str, Any]


def hash_partner_key(key: str) -> str:
    # A 256-bit random token: a plain SHA-256 is enough, nothing to brute-force.
    return hashlib.sha256(key.encode()).hexdigest()


def _no_publish(connection_id: str, event_type: str, data: dict[str, Any]) -> None:
    return None


def _message(status: int, message: str) -> PartnerAnswer:
    """The spec's custom error (``{"message"}``), which Ashby shows its user."""
    return PartnerAnswer(status, {"message": message})


def _error(code: str, message: str) -> PartnerAnswer:
    """Ashby's own error envelope, which the spec's partner responses allow beside success."""
    return PartnerAnswer(
        200, {"success": False, "errorInfo": {"code": code, "message": message}, "errors": [code]}
    )


def _invalid(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "body"
    return f"The assessment request from Ashby is invalid: {where}: {first.get('msg', 'invalid')}"


def assessment_view(row: dict[str, Any], delivery: dict[str, Any] | None = None) -> dict[str, Any]:
    """An assessment as ``GET /assessments`` and the ``assessment.*`` events show it."""
    request = row.get("request") or {}
    out: dict[str, Any] = {
        "id": row["id"],
        "connectionId": row["connection_id"],
        "assessmentTypeId": row["assessment_type_id"],
        "origin": row["origin"],
        "status": row["status"],
        "progress": row.get("progress"),
        "candidateId": row["candidate_id"],
        "applicationId": row.get("application_id"),
        "jobId": row.get("job_id"),
        "candidate": request.get("candidate"),
        "application": request.get("application"),
        "job": request.get("job"),
        "additionalFields": request.get("additional_fields"),
        "result": row.get("result"),
        "metadata": row.get("assessment_metadata"),
        "profileUrl": row.get("profile_url"),
        "cancelledReason": row.get("cancelled_reason"),
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
    }
    if delivery is not None:
        out["ashbyDelivery"] = delivery
    return out


def _status_field(value: str) -> dict[str, Any]:
    return {"identifier": "assessment_status", "label": "Status", "type": "string", "value": value}


class AssessmentPartner:
    """Set-up per connection, authentication, and the four partner operations."""

    def __init__(self, repo: AssessmentRepository, *, publish: Publish = _no_publish) -> None:
        self.repo = repo
        self.publish = publish

    # -- set-up (called by the tenant through our API) -----------------------------------------
    def set_up(self, connection_id: str, setup: PartnerSetupIn) -> tuple[str, list[dict[str, Any]]]:
        """The partner key (returned this once; only its hash is kept) and the assessment types with
        the ids Ashby will start them by. Raises ``PartnerExistsError`` when already set up."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        types = [
            {"assessment_type_id": str(uuid.uuid4()), "name": t.name, **({"description": t.description}
             if t.description is not None else {})}
            for t in setup.assessmentTypes
        ]  # fmt: skip
        fields = (
            [f.model_dump(exclude_none=True) for f in setup.customFields]
            if setup.customFields is not None
            else None
        )
        created = self.repo.create_partner(
            connection_id,
            key_hash=hash_partner_key(key),
            partner_id=setup.partnerId,
            assessment_types=types,
            custom_fields=fields,
        )
        if not created:
            raise PartnerExistsError(connection_id)
        return key, types

    def rotate_key(self, connection_id: str) -> str | None:
        """A new partner key (returned this once), the types and assessments kept; None when the
        connection is not a partner. The old key stops working at once."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        return key if self.repo.replace_partner_key(connection_id, hash_partner_key(key)) else None

    def describe(self, connection_id: str) -> dict[str, Any] | None:
        partner = self.repo.partner(connection_id)
        if partner is None:
            return None
        return {
            "assessmentTypes": partner.assessment_types,
            "customFields": partner.custom_fields,
            "partnerId": partner.partner_id,
        }

    def remove(self, connection_id: str) -> bool:
        return self.repo.delete_partner(connection_id)

    # -- the endpoints Ashby calls --------------------------------------------------------------
    def authenticate(self, connection_id: str, authorization: str | None) -> PartnerRow | None:
        """The partner behind a correct key, else None (wrong, missing or unknown all look alike)."""
        key = _basic_username(authorization)
        partner = self.repo.partner(connection_id) if len(connection_id) <= 64 else None
        if partner is None or key is None:
            return None
        if not hmac.compare_digest(hash_partner_key(key), partner.key_hash):
            return None
        return partner

    def handle(
        self, connection_id: str, operation: str, authorization: str | None, body: bytes
    ) -> PartnerAnswer:
        partner = self.authenticate(connection_id, authorization)
        if partner is None:
            return _message(401, "Wrong or missing partner key (HTTP Basic, the key as username)")
        if operation not in PARTNER_OPERATIONS:
            return _message(404, f"No partner endpoint {operation}")
        try:
            doc = orjson.loads(body) if body.strip() else {}
        except orjson.JSONDecodeError:
            return _message(422, "The assessment request from Ashby is not valid JSON")
        if not isinstance(doc, dict):
            return _message(422, "The assessment request from Ashby must be a JSON object")
        if operation == "assessment.list":
            return PartnerAnswer(200, {"success": True, "results": partner.assessment_types})
        if operation == "assessment.customField.list":
            return PartnerAnswer(200, {"success": True, "fields": partner.custom_fields or []})
        if operation == "assessment.start":
            return self._start(partner, doc)
        return self._cancel(partner, doc)

    def _start(self, partner: PartnerRow, doc: dict[str, Any]) -> PartnerAnswer:
        try:
            start = StartRequest.model_validate(doc)
        except ValidationError as exc:
            return _message(422, _invalid(exc))
        types = {t["assessment_type_id"]: t for t in partner.assessment_types}
        kind = types.get(start.assessment_type_id)
        if kind is None:
            return _message(422, f"Unknown assessment type {start.assessment_type_id}: refresh the list")
        if not start.candidate.email.strip():
            return _message(422, "The candidate has no email address in Ashby; add one, then start again")
        missing = [
            f["name"]
            for f in partner.custom_fields or []
            if f.get("isRequired") and (start.additional_fields or {}).get(f["id"]) in (None, "", [])
        ]
        if missing:
            return _message(422, f"Fill in {', '.join(missing)} to start this assessment")
        assessment_id = str(uuid.uuid4())
        try:
            row = self.repo.insert_assessment(
                {
                    "id": assessment_id,
                    "connection_id": partner.connection_id,
                    "assessment_type_id": start.assessment_type_id,
                    "candidate_id": start.candidate.ashby_id,
                    "application_id": start.application.ashby_id,
                    "job_id": start.job.ashby_id,
                    "origin": "ashby",
                    "status": "Started",
                    "active_key": ":".join(
                        (partner.connection_id, start.candidate.ashby_id, start.assessment_type_id)
                    ),
                    "request": doc,
                }
            )
        except AlreadyBeingAssessedError:
            return _message(409, f"The candidate is already taking {kind['name']}")
        self.publish(partner.connection_id, "assessment.started", assessment_view(row))
        update = {
            "assessment_id": assessment_id,
            "timestamp": epoch_ms(),
            "assessment_status": _status_field("Started"),
        }
        return PartnerAnswer(
            200, {"success": True, "results": {"assessment_id": assessment_id, "update_request": update}}
        )

    def _cancel(self, partner: PartnerRow, doc: dict[str, Any]) -> PartnerAnswer:
        try:
            cancel = CancelRequest.model_validate(doc)
        except ValidationError as exc:
            return _message(422, _invalid(exc))
        row = self.repo.get(cancel.assessment_id)
        if row is None or row["connection_id"] != partner.connection_id:
            return _error("assessment_not_found", f"No assessment {cancel.assessment_id}")
        reason = "Cancelled in Ashby"
        if row["status"] != "Cancelled":
            if row["status"] == "Completed":
                return _error("assessment_completed", "The assessment is already complete")
            row = self.repo.update(cancel.assessment_id, status="Cancelled", cancelled_reason=reason) or row
            self.publish(partner.connection_id, "assessment.cancelled", assessment_view(row))
        update = {
            "assessment_id": cancel.assessment_id,
            "timestamp": epoch_ms(),
            "cancelled_reason": {"identifier": "cancelled_reason", "label": "Cancelled", "type": "string",
                                 "value": row.get("cancelled_reason") or reason},
        }  # fmt: skip
        return PartnerAnswer(
            200,
            {"success": True, "results": {"assessment_id": cancel.assessment_id, "update_request": update}},
        )


def _basic_username(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic" or not encoded or len(encoded) > 1000:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, _, _ = decoded.partition(":")
    return username or None
