"""A tenant's assessments (``/assessments``): only those of its own connections (another tenant's
answer 404 alike), reported into Ashby through ``AssessmentReports``, each report's outcome as the
status and body the API answers."""

from __future__ import annotations

from typing import Any

from ashby_connector.core.assessments.models import ProgressIn, ResultIn
from ashby_connector.core.assessments.reports import AssessmentReports, ReportOutcome
from ashby_connector.core.errors import CoreError, from_ashby
from ashby_connector.store.assessments import AssessmentRepository
from ashby_connector.store.tenancy import Tenancy

MAX_ID = 64


def _not_found() -> CoreError:
    return CoreError(404, "assessment_not_found", "no such assessment", "assessment_id")


def answered(outcome: ReportOutcome) -> tuple[int, dict[str, Any]]:
    """200 delivered, 202 queued for the background retry; a report Ashby refused is its error."""
    if outcome.state == "refused":
        if outcome.error is not None:
            raise from_ashby(outcome.error)
        last = outcome.assessment.get("ashbyDelivery", {}).get("lastError")
        raise CoreError(422, "ashby_refused", f"Ashby refused this report: {last}")
    return (200 if outcome.state == "delivered" else 202), outcome.assessment


class TenantAssessments:
    def __init__(self, repo: AssessmentRepository, tenancy: Tenancy, reports: AssessmentReports) -> None:
        self.repo = repo
        self.tenancy = tenancy
        self.reports = reports

    def owned(self, tenant_id: str, assessment_id: str) -> dict[str, Any]:
        row = self.repo.get(assessment_id) if len(assessment_id) <= MAX_ID else None
        if row is None or self.tenancy.get_connection(tenant_id, row["connection_id"]) is None:
            raise _not_found()
        return row

    def of_partner(self, connection_id: str, *, limit: int = 20) -> list[dict[str, Any]] | None:
        """The newest assessments of a connection that is an assessment partner; None when it is not."""
        if self.repo.partner(connection_id) is None:
            return None
        return self.repo.list([connection_id], limit=limit)

    def view(self, tenant_id: str, assessment_id: str) -> dict[str, Any]:
        return self.reports.view(self.owned(tenant_id, assessment_id))

    def page(
        self,
        tenant_id: str,
        connection_ids: list[str] | None = None,
        *,
        status: str | None = None,
        cursor: str | None = None,
        limit: int = 100,
    ) -> dict[str, Any]:
        """The assessments of ``connection_ids`` (the caller checked them), or of every connection
        of the tenant; ``nextCursor`` when the page is full."""
        if connection_ids is None:
            connection_ids = [c.id for c in self.tenancy.list_connections(tenant_id)]
        rows = self.repo.list(connection_ids, status=status, after=cursor, limit=limit)
        return {
            "results": [self.reports.view(r) for r in rows],
            "nextCursor": rows[-1]["id"] if len(rows) == limit else None,
        }

    def progress(
        self, tenant_id: str, assessment_id: str, body: ProgressIn, idempotency_key: str | None
    ) -> tuple[int, dict[str, Any]]:
        self.owned(tenant_id, assessment_id)
        return answered(self.reports.progress(assessment_id, body, idempotency_key))

    def result(
        self, tenant_id: str, assessment_id: str, body: ResultIn, idempotency_key: str | None
    ) -> tuple[int, dict[str, Any]]:
        """A result, also of an assessment no one started (``connectionId`` in the body names one of
        the tenant's connections)."""
        if len(assessment_id) > MAX_ID:
            raise _not_found()
        connections = [c.id for c in self.tenancy.list_connections(tenant_id)]
        outcome = self.reports.result(assessment_id, body, idempotency_key, tenant_connections=connections)
        return answered(outcome)
