"""Queries of the assessment partner flow over the tables in ``schema_assessments``."""

from __future__ import annotations

import builtins
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa

from ashby_connector.store import queries
from ashby_connector.store.schema_assessments import assessment, assessment_partner, assessment_report
from ashby_connector.store.wakeups import REPORTS, Wakeups

TERMINAL = ("Completed", "Cancelled")


class Transactional(Protocol):
    engine: sa.Engine
    wakeups: Wakeups

    def transaction(self) -> AbstractContextManager[sa.Connection]: ...


@dataclass(frozen=True)
class PartnerRow:
    connection_id: str
    key_hash: str
    partner_id: str | None
    assessment_types: list[dict[str, Any]]
    custom_fields: list[dict[str, Any]] | None

    def __repr__(self) -> str:  # the key hash stays out of logs
        return f"PartnerRow(connection_id={self.connection_id!r})"


@dataclass(frozen=True)
class ReportRow:
    id: int
    assessment_id: str
    connection_id: str
    idempotency_key: str
    request_hash: str
    kind: str
    operation: str
    body: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: float
    last_error: str | None
    created_at: float
    delivered_at: float | None


class AlreadyBeingAssessedError(Exception):
    """The candidate has a running assessment of that type on this connection."""


class AssessmentRepository:
    """Every query over the three tables; writes go through the store's transaction."""

    def __init__(self, store: Transactional) -> None:
        self.store = store

    # -- partners --------------------------------------------------------------------------------
    def create_partner(
        self,
        connection_id: str,
        *,
        key_hash: str,
        partner_id: str | None,
        assessment_types: list[dict[str, Any]],
        custom_fields: list[dict[str, Any]] | None,
    ) -> bool:
        """False when the connection already is a partner (the key is given out once)."""
        now = time.time()
        t = assessment_partner
        with self.store.transaction() as conn:
            if conn.execute(sa.select(t.c.connection_id).where(t.c.connection_id == connection_id)).first():
                return False
            conn.execute(
                sa.insert(t).values(
                    connection_id=connection_id,
                    key_hash=key_hash,
                    partner_id=partner_id,
                    assessment_types=assessment_types,
                    custom_fields=custom_fields,
                    created_at=now,
                    updated_at=now,
                )
            )
        return True

    def partner(self, connection_id: str) -> PartnerRow | None:
        t = assessment_partner
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(t).where(t.c.connection_id == connection_id)).first()
        if row is None:
            return None
        m = row._mapping
        return PartnerRow(
            connection_id=m["connection_id"],
            key_hash=m["key_hash"],
            partner_id=m["partner_id"],
            assessment_types=list(m["assessment_types"] or []),
            custom_fields=list(m["custom_fields"]) if m["custom_fields"] is not None else None,
        )

    def replace_partner_key(self, connection_id: str, key_hash: str) -> bool:
        t = assessment_partner
        with self.store.transaction() as conn:
            res = conn.execute(
                sa.update(t)
                .where(t.c.connection_id == connection_id)
                .values(key_hash=key_hash, updated_at=time.time())
            )
        return res.rowcount > 0

    def delete_partner(self, connection_id: str) -> bool:
        t = assessment_partner
        with self.store.transaction() as conn:
            return conn.execute(sa.delete(t).where(t.c.connection_id == connection_id)).rowcount > 0

    # -- assessments -----------------------------------------------------------------------------
    def insert_assessment(self, values: dict[str, Any]) -> dict[str, Any]:
        """Record a new assessment; raises ``AlreadyBeingAssessedError`` when one of that candidate
        and type is running (checked and written in one transaction, and the unique
        ``active_key`` refuses a concurrent twin on any database)."""
        now = time.time()
        row = {"created_at": now, "updated_at": now, **values}
        t = assessment
        try:
            with self.store.transaction() as conn:
                if row.get("active_key") is not None:
                    taken = conn.execute(sa.select(t.c.id).where(t.c.active_key == row["active_key"])).first()
                    if taken is not None:
                        raise AlreadyBeingAssessedError(str(taken.id))
                conn.execute(sa.insert(t).values(**row))
        except sa.exc.IntegrityError:
            raise AlreadyBeingAssessedError(str(row.get("active_key"))) from None
        found = self.get(str(row["id"]))
        assert found is not None
        return found

    def get(self, assessment_id: str) -> dict[str, Any] | None:
        t = assessment
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(t).where(t.c.id == assessment_id)).first()
        return dict(row._mapping) if row is not None else None

    def update(self, assessment_id: str, **values: Any) -> dict[str, Any] | None:
        if values.get("status") in TERMINAL:
            values["active_key"] = None
        t = assessment
        with self.store.transaction() as conn:
            conn.execute(sa.update(t).where(t.c.id == assessment_id).values(**values, updated_at=time.time()))
        return self.get(assessment_id)

    def list(
        self,
        connection_ids: list[str],
        *,
        status: str | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> builtins.list[dict[str, Any]]:
        """Assessments of these connections in id order (``after``: the last id of the previous page)."""
        if not connection_ids:
            return []
        t = assessment
        query = sa.select(t).where(t.c.connection_id.in_(connection_ids))
        if status is not None:
            query = query.where(t.c.status == status)
        if after is not None:
            query = query.where(t.c.id > after)
        with self.store.engine.connect() as conn:
            rows = conn.execute(query.order_by(t.c.id).limit(limit))
            return [dict(r._mapping) for r in rows]

    # -- reports into Ashby ----------------------------------------------------------------------
    def find_report(self, assessment_id: str, idempotency_key: str) -> ReportRow | None:
        t = assessment_report
        with self.store.engine.connect() as conn:
            row = conn.execute(
                sa.select(t).where(t.c.assessment_id == assessment_id, t.c.idempotency_key == idempotency_key)
            ).first()
        return _report(row) if row is not None else None

    def add_report(
        self, values: dict[str, Any], assessment_changes: dict[str, Any] | None = None
    ) -> ReportRow | None:
        """Queue a report (and apply its local assessment changes) in one transaction; None when a
        report with the same idempotency key got there first."""
        now = time.time()
        row = {"status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now, **values}
        t = assessment_report
        try:
            with self.store.transaction() as conn:
                new_id: int = conn.execute(sa.insert(t).values(**row)).inserted_primary_key[0]  # type: ignore[index]
                self.store.wakeups.notify(conn, REPORTS)  # the report loops of other processes
                if assessment_changes:
                    changes = dict(assessment_changes)
                    if changes.get("status") in TERMINAL:
                        changes["active_key"] = None
                    conn.execute(
                        sa.update(assessment)
                        .where(assessment.c.id == row["assessment_id"])
                        .values(**changes, updated_at=now)
                    )
        except sa.exc.IntegrityError:
            return None
        self.store.wakeups.ring(REPORTS)
        return self.report(new_id)

    def report(self, report_id: int) -> ReportRow | None:
        t = assessment_report
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(t).where(t.c.id == report_id)).first()
        return _report(row) if row is not None else None

    def reports_of(self, assessment_id: str) -> builtins.list[ReportRow]:
        t = assessment_report
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(t).where(t.c.assessment_id == assessment_id).order_by(t.c.id))
            return [_report(r) for r in rows]

    def earlier_undelivered(self, report: ReportRow) -> bool:
        """Whether an earlier report of the same assessment still waits (reports go in order)."""
        t = assessment_report
        with self.store.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.c.id).where(
                    t.c.assessment_id == report.assessment_id,
                    t.c.id < report.id,
                    t.c.status.in_(("pending", "sending")),
                )
            ).first()
        return row is not None

    def due_reports(self, now: float, limit: int = 20) -> Iterator[ReportRow]:
        t = assessment_report
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t)
                .where(t.c.status == "pending", t.c.next_attempt_at <= now)
                .order_by(t.c.id)
                .limit(limit)
            ).all()
        return (_report(r) for r in rows)

    def claim(self, report: ReportRow, lease_until: float) -> bool:
        """Take a pending report for one delivery attempt (one process wins)."""
        t = assessment_report
        with self.store.transaction() as conn:
            res = conn.execute(
                sa.update(t)
                .where(t.c.id == report.id, t.c.status == "pending")
                .values(status="sending", attempts=t.c.attempts + 1, next_attempt_at=lease_until)
            )
        return res.rowcount == 1

    def next_due_at(self) -> float | None:
        """When the earliest waiting report is due (a retry, or a ``sending`` lease expiring)."""
        return queries.earliest_due(self.store.engine, assessment_report, ("pending", "sending"))

    def release_expired(self, now: float) -> int:
        """Reports left ``sending`` by a process that died go back to pending."""
        t = assessment_report
        with self.store.transaction() as conn:
            return int(
                conn.execute(
                    sa.update(t)
                    .where(t.c.status == "sending", t.c.next_attempt_at < now)
                    .values(status="pending")
                ).rowcount
            )

    def settle(
        self,
        report_id: int,
        *,
        status: str,
        error: str | None = None,
        next_attempt_at: float | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status, "last_error": error}
        if status == "delivered":
            values["delivered_at"] = time.time()
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        t = assessment_report
        with self.store.transaction() as conn:
            conn.execute(sa.update(t).where(t.c.id == report_id).values(**values))


def _report(row: Any) -> ReportRow:
    m = row._mapping
    return ReportRow(
        id=int(m["id"]),
        assessment_id=m["assessment_id"],
        connection_id=m["connection_id"],
        idempotency_key=m["idempotency_key"],
        request_hash=m["request_hash"],
        kind=m["kind"],
        operation=m["operation"],
        body=dict(m["body"]),
        status=m["status"],
        attempts=int(m["attempts"]),
        next_attempt_at=float(m["next_attempt_at"]),
        last_error=m["last_error"],
        created_at=float(m["created_at"]),
        delivered_at=float(m["delivered_at"]) if m["delivered_at"] is not None else None,
    )
