"""Reports: ``report.generate`` (start, then poll) and ``report.synchronous`` over emulator data.

Ashby's reports are saved in its UI; the emulator offers a fixed set of built-in ones with stable
ids (``REPORTS``), computed from the emulator's own records. Starts of both operations go through
the organisation's ``ReportLimiter`` (15 a minute, 3 running at once, as Ashby documents); a
generated report frees its slot when its run time is over, polled or not. Polling is never limited.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ashby_connector.emulator.errors import ApiError
from ashby_connector.emulator.ratelimit import ReportLimiter

JSON = dict[str, Any]
Rows = Callable[[str], Iterable[Mapping[str, Any]]]

_NAMESPACE = uuid.UUID("5f0c3c52-8d7e-4c1e-9a55-6f1d2b7a9e01")


@dataclass(frozen=True)
class ReportDefinition:
    id: str
    title: str
    kind: str  # which emulator collection the rows come from
    columns: tuple[tuple[str, str], ...]  # (column name, field path in the record)


def _report(title: str, kind: str, *columns: tuple[str, str]) -> ReportDefinition:
    return ReportDefinition(str(uuid.uuid5(_NAMESPACE, title)), title, kind, columns)


REPORTS: tuple[ReportDefinition, ...] = (
    _report(
        "Candidates",
        "candidate",
        ("Candidate ID", "id"),
        ("Name", "name"),
        ("Created At", "createdAt"),
        ("Source", "source.title"),
    ),
    _report(
        "Applications",
        "application",
        ("Application ID", "id"),
        ("Candidate", "candidate.name"),
        ("Job", "job.title"),
        ("Status", "status"),
        ("Stage", "currentInterviewStage.title"),
    ),
    _report(
        "Jobs",
        "job",
        ("Job ID", "id"),
        ("Title", "title"),
        ("Status", "status"),
        ("Department ID", "departmentId"),
    ),
    _report(
        "Offers",
        "offer",
        ("Offer ID", "id"),
        ("Application ID", "applicationId"),
        ("Status", "offerStatus"),
        ("Decided At", "decidedAt"),
    ),
)


def report_by_id(report_id: str) -> ReportDefinition | None:
    return next((r for r in REPORTS if r.id == report_id), None)


@dataclass
class ReportRequest:
    request_id: str
    report: ReportDefinition
    include_headers: bool
    started: float
    ready_at: float
    fail_reason: str | None = None
    result: JSON | None = field(default=None)


class ReportService:
    """Runs the built-in reports; ``limiter()`` gives the organisation's current report limiter."""

    def __init__(
        self,
        rows: Rows,
        limiter: Callable[[], ReportLimiter],
        *,
        generate_seconds: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rows = rows
        self.limiter = limiter
        self.generate_seconds = generate_seconds
        self.clock = clock
        self._requests: dict[str, ReportRequest] = {}
        self._running: set[str] = set()  # generate requests still holding a concurrent slot
        self._fail_next: str | None = None
        self._lock = threading.Lock()

    def fail_next(self, reason: str = "The report could not be generated") -> None:
        """Make the next started report end ``failed`` (control API)."""
        with self._lock:
            self._fail_next = reason

    # -- operations -------------------------------------------------------------------------

    def generate(self, report_id: str | None, request_id: str | None, include_headers: bool = True) -> JSON:
        """``report.generate``: poll with ``requestId``, else start ``reportId``."""
        if request_id:
            return self._poll(request_id)
        report = self._lookup(report_id)
        with self._lock:
            self._release_finished()
            self.limiter().start()
            now = self.clock()
            req = ReportRequest(
                f"rpt_{uuid.uuid4().hex}",
                report,
                include_headers,
                now,
                now + self.generate_seconds,
                fail_reason=self._take_fail(),
            )
            self._requests[req.request_id] = req
            self._running.add(req.request_id)
        return _pending(req.request_id)

    def synchronous(self, report_id: str | None, include_headers: bool = True) -> JSON:
        report = self._lookup(report_id)
        with self._lock:
            self._release_finished()
            limiter = self.limiter()
            limiter.start()
            now = self.clock()
            req = ReportRequest(
                f"rpt_{uuid.uuid4().hex}", report, include_headers, now, now, fail_reason=self._take_fail()
            )
        try:
            return self._finish(req)
        finally:
            limiter.finish()

    # -- internals --------------------------------------------------------------------------

    def _lookup(self, report_id: str | None) -> ReportDefinition:
        report = report_by_id(report_id or "")
        if report is None:
            raise ApiError("report_not_found", f"No report with id {report_id!r}")
        return report

    def _take_fail(self) -> str | None:
        reason, self._fail_next = self._fail_next, None
        return reason

    def _release_finished(self) -> None:
        """Free the slots of generate requests whose run time is over (lock held)."""
        now = self.clock()
        done = [rid for rid in self._running if self._requests[rid].ready_at <= now]
        for rid in done:
            self._running.discard(rid)
            self.limiter().finish()

    def _poll(self, request_id: str) -> JSON:
        with self._lock:
            req = self._requests.get(request_id)
        if req is None:
            raise ApiError("report_request_not_found", f"No report request {request_id!r}")
        if self.clock() < req.ready_at:
            return _pending(req.request_id)
        if req.result is None:
            req.result = self._finish(req)
        return req.result

    def _finish(self, req: ReportRequest) -> JSON:
        if req.fail_reason is not None:
            return {
                "requestId": req.request_id,
                "status": "failed",
                "reportData": None,
                "failureReason": req.fail_reason,
            }
        columns = [name for name, _ in req.report.columns]
        data: list[list[str | float]] = [list(columns)] if req.include_headers else []
        for record in self.rows(req.report.kind):
            data.append([_cell(_dig(record, path)) for _, path in req.report.columns])
        now = datetime.now(UTC)
        metadata = {
            "title": req.report.title,
            "updatedAt": _iso(now),
            "reportGeneratedAt": _iso(now),
            "cacheExpiresAt": _iso(now + timedelta(hours=1)),
        }
        return {
            "requestId": req.request_id,
            "status": "complete",
            "reportData": {"columnNames": columns, "data": data, "metadata": metadata},
            "failureReason": None,
        }


def _pending(request_id: str) -> JSON:
    return {"requestId": request_id, "status": "in_progress", "reportData": None, "failureReason": None}


def _dig(record: Mapping[str, Any], path: str) -> Any:
    value: Any = record
    for key in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _cell(value: Any) -> str | float:
    # Report cells are strings or numbers only; missing values come back as empty strings.
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    return str(value)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
