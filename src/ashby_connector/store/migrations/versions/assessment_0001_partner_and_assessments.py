"""assessment: partner set-up per connection, assessments, and reports into Ashby.

Revision ID: assessment_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "assessment_0001"
down_revision = None
branch_labels = ("assessment",)
depends_on = "store_0001"

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "assessment_partner",
        sa.Column("connection_id", sa.String(64), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("partner_id", sa.String(64), nullable=True),
        sa.Column("assessment_types", JSON, nullable=False),
        sa.Column("custom_fields", JSON, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("connection_id", name="pk_assessment_partner"),
    )
    op.create_table(
        "assessment",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("connection_id", sa.String(64), nullable=False),
        sa.Column("assessment_type_id", sa.String(64), nullable=False),
        sa.Column("candidate_id", sa.String(64), nullable=False),
        sa.Column("application_id", sa.String(64), nullable=True),
        sa.Column("job_id", sa.String(64), nullable=True),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("progress", sa.String(200), nullable=True),
        sa.Column("active_key", sa.String(160), nullable=True),
        sa.Column("request", JSON, nullable=True),
        sa.Column("result", JSON, nullable=True),
        sa.Column("assessment_metadata", JSON, nullable=True),
        sa.Column("profile_url", sa.Text, nullable=True),
        sa.Column("cancelled_reason", sa.Text, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_assessment"),
        sa.UniqueConstraint("active_key", name="uq_assessment_active_key"),
    )
    op.create_index("ix_assessment_connection_status", "assessment", ["connection_id", "status"])
    op.create_table(
        "assessment_report",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("assessment_id", sa.String(64), nullable=False),
        sa.Column("connection_id", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("body", JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("delivered_at", sa.Float, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_assessment_report"),
        sa.UniqueConstraint("assessment_id", "idempotency_key", name="uq_assessment_report_key"),
    )
    op.create_index("ix_assessment_report_due", "assessment_report", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("assessment_report")
    op.drop_table("assessment")
    op.drop_table("assessment_partner")
