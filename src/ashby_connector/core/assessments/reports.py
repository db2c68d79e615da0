"""The tenant reports an assessment's progress and result into Ashby.

Progress becomes ``assessment.update``; a result becomes ``assessment.update`` with
``assessment_result`` when Ashby started the assessment, or ``assessment.addCompletedToCandidate``
when it did not. Every report is stored first with its idempotency key: the same key and body answer
the same without calling Ashby again; the same key with another body is refused. When Ashby cannot be
reached (connection failure, timeout, 429, 5xx) the report stays queued and a background loop retries
it with growing delays; the assessment's ``ashbyDelivery`` shows where it stands. Ashby refusing the
report (4xx) is final and answered at once.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ashby_connector import errors as ashby_errors
from ashby_connector.core.assessments.models import ProgressIn, ResultIn, epoch_ms
from ashby_connector.core.assessments.partner import Publish, _no_publish, assessment_view
from ashby_connector.core.errors import CoreError
from ashby_connector.store.assessments import AssessmentRepository, ReportRow
from ashby_connector.store.wakeups import REPORTS, IdleBackoff, wait_until

# The polling fallback while idle (a report another process queued on SQLite rings no bell here).
IDLE_POLL_SECONDS = 5.0
log = logging.getLogger(__name__)

# call(operation, body) with a connection's Ashby key
Caller = Callable[[str, dict[str, Any]], Any]
CallerFor = Callable[[str], Caller]

# Ashby's own webhook retry schedule (10 s, 30 s, 70 s, ...), ten attempts in all.
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (10.0, 30.0, 70.0, 150.0, 310.0, 630.0, 1270.0, 2550.0, 5110.0)
LEASE_SECONDS = 120.0
_TRANSIENT = (ashby_errors.APIConnectionError, ashby_errors.RateLimitError, ashby_errors.ServerError)


class ReportError(CoreError):
    """A report that cannot be made (a ``CoreError``: the server's envelope answers its status)."""


@dataclass(frozen=True)
class ReportOutcome:
    """``delivered`` (200), ``queued`` (202: Ashby will get it from the background retry), or
    ``refused`` (Ashby said no; ``error`` holds its words)."""

    state: str
    assessment: dict[str, Any]
    error: ashby_errors.AshbyError | None = None
    replayed: bool = False


def _hash(kind: str, payload: dict[str, Any]) -> str:
    return hashlib.sha256(kind.encode() + orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _field(identifier: str, label: str, type_: str, value: Any) -> dict[str, Any]:
    return {"identifier": identifier, "label": label, "type": type_, "value": value}


def _describe(exc: Exception) -> str:
    # The client's errors never carry the key; keep the text short for the status column.
    return f"{type(exc).__name__}: {exc}"[:500]


class AssessmentReports:
    def __init__(
        self,
        repo: AssessmentRepository,
        caller_for: CallerFor,
        *,
        publish: Publish = _no_publish,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        clock: Callable[[], float] = time.time,
        poll_seconds: float = 0.5,
    ) -> None:
        self.repo = repo
        self.caller_for = caller_for
        self.publish = publish
        self.retry_delays = tuple(retry_delays)
        self.clock = clock
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        # Rung when a report is queued (here, or in another process on PostgreSQL) or settled for a
        # retry; otherwise the loop sleeps until the next report is due.
        self._wake = repo.store.wakeups.bell(REPORTS)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- reading ---------------------------------------------------------------------------------
    def delivery(self, assessment_id: str) -> dict[str, Any]:
        """Where the reports into Ashby stand: ``none``, ``delivered``, ``retrying`` or ``failed``."""
        reports = self.repo.reports_of(assessment_id)
        if not reports:
            return {"state": "none", "pending": 0}
        waiting = [r for r in reports if r.status in ("pending", "sending")]
        last = waiting[0] if waiting else reports[-1]
        state = {"pending": "retrying", "sending": "retrying"}.get(last.status, last.status)
        out: dict[str, Any] = {
            "state": state,
            "pending": len(waiting),
            "operation": last.operation,
            "attempts": last.attempts,
            "lastError": last.last_error,
        }
        if waiting:
            out["nextAttemptAt"] = last.next_attempt_at
        return out

    def view(self, row: dict[str, Any]) -> dict[str, Any]:
        return assessment_view(row, self.delivery(str(row["id"])))

    # -- reporting -------------------------------------------------------------------------------
    def progress(self, assessment_id: str, payload: ProgressIn, idempotency_key: str | None) -> ReportOutcome:
        row = self._existing(assessment_id)
        if row["origin"] != "ashby":
            raise ReportError(
                409, "not_started_by_ashby",
                "Ashby did not start this assessment: report its result with POST /assessments/{id}/result",
            )  # fmt: skip
        if row["status"] in ("Completed", "Cancelled"):
            raise ReportError(
                409, "assessment_finished", f"the assessment is already {row['status'].lower()}"
            )
        if payload.status is None and payload.cancelledReason is None:
            raise ReportError(422, "invalid_request", "give status, or cancelledReason to cancel", "status")
        body: dict[str, Any] = {"assessment_id": assessment_id, "timestamp": epoch_ms()}
        changes: dict[str, Any] = {}
        if payload.status is not None:
            body["assessment_status"] = _field("assessment_status", "Status", "string", payload.status)
            changes.update(status="InProgress", progress=payload.status)
        if payload.cancelledReason is not None:
            body["cancelled_reason"] = _field(
                "cancelled_reason", "Cancelled", "string", payload.cancelledReason
            )
            changes.update(status="Cancelled", cancelled_reason=payload.cancelledReason)
        if payload.profileUrl is not None:
            body["assessment_profile_url"] = _field(
                "assessment_profile_url", "Profile", "url", payload.profileUrl
            )
            changes["profile_url"] = payload.profileUrl
        if payload.metadata is not None:
            body["metadata"] = [m.to_ashby() for m in payload.metadata]
            changes["assessment_metadata"] = body["metadata"]
        key_payload = payload.model_dump(mode="json", exclude_none=True)
        return self._report(row, "progress", "assessment.update", body, changes, key_payload, idempotency_key)

    def result(
        self,
        assessment_id: str,
        payload: ResultIn,
        idempotency_key: str | None,
        *,
        tenant_connections: list[str],
    ) -> ReportOutcome:
        key_payload = payload.model_dump(mode="json", exclude_none=True)
        row = self.repo.get(assessment_id)
        if row is not None and row["connection_id"] not in tenant_connections:
            row = None  # another tenant's: as if it did not exist
        metadata = [m.to_ashby() for m in payload.metadata]
        changes: dict[str, Any] = {
            "status": "Completed",
            "result": payload.result.to_ashby(),
            "assessment_metadata": metadata,
            "profile_url": payload.profileUrl,
        }
        timestamp = epoch_ms(payload.completedAt)
        if row is not None and row["origin"] == "ashby":
            if row["status"] == "Cancelled":
                raise ReportError(409, "assessment_finished", "the assessment was cancelled")
            body: dict[str, Any] = {
                "assessment_id": assessment_id,
                "timestamp": timestamp,
                "assessment_status": _field("assessment_status", "Status", "string", "Completed"),
                "assessment_result": payload.result.to_ashby(),
                "assessment_profile_url": _field(
                    "assessment_profile_url", "Profile", "url", payload.profileUrl
                ),
                "metadata": metadata,
            }
            return self._report(
                row, "result", "assessment.update", body, changes, key_payload, idempotency_key
            )
        row = row or self._new_partner_assessment(assessment_id, payload, tenant_connections)
        partner = self.repo.partner(row["connection_id"])
        if partner is None or not partner.partner_id:
            raise ReportError(
                409, "partner_id_missing",
                "reporting an assessment Ashby did not start needs the partnerId Ashby gave you: "
                "set it with POST /connections/{id}/assessment-partner",
            )  # fmt: skip
        names = {t["assessment_type_id"]: t["name"] for t in partner.assessment_types}
        body = {
            "candidateId": row["candidate_id"],
            "partnerId": partner.partner_id,
            "assessment": {
                "assessmentTypeId": row["assessment_type_id"],
                "assessmentId": assessment_id,
                "assessmentName": payload.assessmentName
                or names.get(row["assessment_type_id"], "Assessment"),
                "result": payload.result.to_ashby(),
                "metadata": metadata,
            },
            "timestamp": timestamp,
        }
        operation = "assessment.addCompletedToCandidate"
        return self._report(row, "result", operation, body, changes, key_payload, idempotency_key)

    def _existing(self, assessment_id: str) -> dict[str, Any]:
        row = self.repo.get(assessment_id)
        if row is None:
            raise ReportError(404, "assessment_not_found", f"no assessment {assessment_id}")
        return row

    def _new_partner_assessment(
        self, assessment_id: str, payload: ResultIn, tenant_connections: list[str]
    ) -> dict[str, Any]:
        """An assessment Ashby never started: the tenant names the connection, candidate and type."""
        for name in ("connectionId", "candidateId", "assessmentTypeId"):
            if getattr(payload, name) is None:
                raise ReportError(
                    422, "invalid_request",
                    f"{name} is required for an assessment Ashby did not start (unknown id {assessment_id})",
                    name,
                )  # fmt: skip
        try:
            uuid.UUID(assessment_id)
        except ValueError:
            raise ReportError(
                422, "invalid_request", "an assessment Ashby did not start needs a UUID as its id", "id"
            ) from None
        if payload.connectionId not in tenant_connections:
            raise ReportError(404, "connection_not_found", "no such connection", "connectionId")
        partner = self.repo.partner(str(payload.connectionId))
        if partner is None:
            raise ReportError(
                409, "not_a_partner", "the connection is not an assessment partner", "connectionId"
            )
        if payload.assessmentTypeId not in {t["assessment_type_id"] for t in partner.assessment_types}:
            raise ReportError(422, "invalid_request", "unknown assessment type", "assessmentTypeId")
        try:
            return self.repo.insert_assessment(
                {
                    "id": assessment_id,
                    "connection_id": payload.connectionId,
                    "assessment_type_id": payload.assessmentTypeId,
                    "candidate_id": payload.candidateId,
                    "origin": "partner",
                    "status": "Completed",
                }
            )
        except Exception:
            # A concurrent first report of the same id: use the row it made.
            existing = self.repo.get(assessment_id)
            if existing is None:
                raise
            return existing

    def _report(
        self,
        row: dict[str, Any],
        kind: str,
        operation: str,
        body: dict[str, Any],
        changes: dict[str, Any],
        key_payload: dict[str, Any],
        idempotency_key: str | None,
    ) -> ReportOutcome:
        request_hash = _hash(kind, key_payload)
        key = idempotency_key or f"auto:{uuid.uuid4()}"
        known = self.repo.find_report(row["id"], key)
        if known is None:
            report = self.repo.add_report(
                {
                    "assessment_id": row["id"],
                    "connection_id": row["connection_id"],
                    "idempotency_key": key,
                    "request_hash": request_hash,
                    "kind": kind,
                    "operation": operation,
                    "body": body,
                    # Taken by this request for its own attempt (one lease long if it dies).
                    "status": "sending",
                    "attempts": 1,
                    "next_attempt_at": self.clock() + LEASE_SECONDS,
                },
                changes,
            )
            if report is None:  # the same key, a moment earlier, from a concurrent retry
                known = self.repo.find_report(row["id"], key)
            else:
                if changes.get("status") == "Cancelled":
                    self.publish(
                        row["connection_id"], "assessment.cancelled", self.view(self._existing(row["id"]))
                    )
                return self._deliver_now(report)
        assert known is not None
        if known.request_hash != request_hash:
            raise ReportError(
                422, "idempotency_key_reused",
                "this Idempotency-Key was used for a different request", "Idempotency-Key",
            )  # fmt: skip
        view = self.view(self._existing(row["id"]))
        state = {"delivered": "delivered", "failed": "refused"}.get(known.status, "queued")
        return ReportOutcome(state, view, replayed=True)

    def _deliver_now(self, report: ReportRow) -> ReportOutcome:
        """The request's own attempt (the report was stored already taken, so the background loop
        leaves it alone meanwhile)."""
        if self.repo.earlier_undelivered(report):
            # Reports reach Ashby in order: this one waits behind the queued one.
            self.repo.settle(report.id, status="pending", next_attempt_at=self.clock())
            self.ensure_started()
            return ReportOutcome("queued", self.view(self._existing(report.assessment_id)))
        error = self._send(report, attempt=1)
        view = self.view(self._existing(report.assessment_id))
        if error is None:
            return ReportOutcome("delivered", view)
        if isinstance(error, _TRANSIENT):
            return ReportOutcome("queued", view)
        return ReportOutcome("refused", view, error=error)

    def _attempt(self, report: ReportRow) -> None:
        """One background delivery attempt of a due report."""
        if self.repo.claim(report, self.clock() + LEASE_SECONDS):
            self._send(report, attempt=report.attempts + 1)

    def _send(self, report: ReportRow, *, attempt: int) -> ashby_errors.AshbyError | None:
        """Call Ashby with a report this process holds; settle it and return Ashby's error, if any."""
        try:
            self.caller_for(report.connection_id)(report.operation, report.body)
        except ashby_errors.AshbyError as exc:
            if isinstance(exc, _TRANSIENT) and attempt <= len(self.retry_delays):
                delay = self.retry_delays[attempt - 1]
                self.repo.settle(
                    report.id, status="pending", error=_describe(exc), next_attempt_at=self.clock() + delay
                )
                self.ensure_started()
            else:
                self.repo.settle(report.id, status="failed", error=_describe(exc))
            return exc
        except LookupError as exc:  # the connection was deleted meanwhile
            self.repo.settle(report.id, status="failed", error=_describe(exc))
            return ashby_errors.AshbyError(str(exc))
        self.repo.settle(report.id, status="delivered")
        return None

    # -- the background retry ------------------------------------------------------------------
    def deliver_due(self) -> int:
        """Attempt every report whose time has come, oldest first; returns how many were tried."""
        now = self.clock()
        self.repo.release_expired(now)
        tried = 0
        for report in self.repo.due_reports(now):
            if self.repo.earlier_undelivered(report):
                continue
            self._attempt(report)
            tried += 1
        return tried

    def ensure_started(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._stop.clear()
                    self._thread = threading.Thread(target=self._run, name="assessment-reports", daemon=True)
                    self._thread.start()
        self._wake.ring()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.ring()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        idle = IdleBackoff(self.poll_seconds, IDLE_POLL_SECONDS)
        while not self._stop.is_set():
            self._wake.clear()
            try:
                if self.deliver_due():
                    idle.busy()
                    continue
                due_at = self.repo.next_due_at()
            except Exception:
                log.exception("assessment report delivery pass failed")
                due_at = None
            wait_until(self._wake, self._stop, None if due_at is None else due_at - self.clock(), idle)
