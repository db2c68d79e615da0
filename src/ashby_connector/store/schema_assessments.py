"""Tables of the assessment partner flow (Alembic branch ``assessment``).

- ``assessment_partner``: one row per connection set up as an Ashby assessment partner (the partner
  key stored as a SHA-256 hash, the assessment types and custom fields it offers Ashby).
- ``assessment``: every assessment Ashby started through the partner endpoints, or that the tenant
  reported completed on its own. ``active_key`` is ``connection:candidate:type`` while the
  assessment runs and NULL once it is completed or cancelled: a unique column, so two concurrent
  starts for the same candidate and type cannot both be recorded (the second answers 409).
- ``assessment_report``: each report the tenant makes into Ashby (``assessment.update`` or
  ``assessment.addCompletedToCandidate``), kept with its idempotency key and delivery state so a
  retry answers the same and a failure to reach Ashby is retried in the background.
"""

from __future__ import annotations

import sqlalchemy as sa

from ashby_connector.store.schema import JSONType, metadata

assessment_partner = sa.Table(
    "assessment_partner",
    metadata,
    sa.Column("connection_id", sa.String(64), primary_key=True),
    sa.Column("key_hash", sa.String(64), nullable=False),
    # Ashby's id for the partner (needed by assessment.addCompletedToCandidate); None until given.
    sa.Column("partner_id", sa.String(64), nullable=True),
    sa.Column("assessment_types", JSONType, nullable=False),
    sa.Column("custom_fields", JSONType, nullable=True),  # None: the custom-field fetch is off
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

assessment = sa.Table(
    "assessment",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("connection_id", sa.String(64), nullable=False),
    sa.Column("assessment_type_id", sa.String(64), nullable=False),
    sa.Column("candidate_id", sa.String(64), nullable=False),
    sa.Column("application_id", sa.String(64), nullable=True),
    sa.Column("job_id", sa.String(64), nullable=True),
    # "ashby": started by Ashby through assessment.start; "partner": reported by the tenant only.
    sa.Column("origin", sa.String(16), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),  # Started | InProgress | Completed | Cancelled
    sa.Column("progress", sa.String(200), nullable=True),  # the tenant's last status text
    sa.Column("active_key", sa.String(160), nullable=True, unique=True),
    sa.Column("request", JSONType, nullable=True),  # Ashby's assessment.start body, whole
    sa.Column("result", JSONType, nullable=True),
    sa.Column("assessment_metadata", JSONType, nullable=True),
    sa.Column("profile_url", sa.Text, nullable=True),
    sa.Column("cancelled_reason", sa.Text, nullable=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Index("ix_assessment_connection_status", "connection_id", "status"),
)

assessment_report = sa.Table(
    "assessment_report",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("assessment_id", sa.String(64), nullable=False),
    sa.Column("connection_id", sa.String(64), nullable=False),
    sa.Column("idempotency_key", sa.String(200), nullable=False),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # progress | result
    sa.Column("operation", sa.String(64), nullable=False),  # the Ashby operation it calls
    sa.Column("body", JSONType, nullable=False),  # the Ashby request body
    # pending -> sending -> delivered | failed; back to pending (with next_attempt_at) on a
    # transient failure.
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.Float, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("delivered_at", sa.Float, nullable=True),
    sa.UniqueConstraint("assessment_id", "idempotency_key", name="uq_assessment_report_key"),
    sa.Index("ix_assessment_report_due", "status", "next_attempt_at"),
)

TABLES = (assessment_partner, assessment, assessment_report)
