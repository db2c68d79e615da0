"""store: one table per Ashby object kind, and the sync state.

Revision ID: store_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "store_0001"
down_revision = None
branch_labels = ("store",)
depends_on = None

# Frozen copy of the kinds at this revision: later catalog changes get their own revision.
KINDS = (
    "application",
    "applicationCriteriaEvaluation",
    "applicationHistory",
    "applicationFeedback",
    "applicationHiringTeamRole",
    "approval",
    "archiveReason",
    "auditLog",
    "brand",
    "candidate",
    "candidateClientInfo",
    "candidateFraudCheck",
    "candidateNote",
    "candidateProject",
    "candidateTag",
    "closeReason",
    "communicationTemplate",
    "customField",
    "department",
    "feedbackFormDefinition",
    "hiringTeamRole",
    "interview",
    "interviewEvent",
    "interviewPlan",
    "interviewSchedule",
    "interviewStage",
    "interviewStageGroup",
    "interviewerPool",
    "job",
    "jobBoard",
    "jobPosting",
    "jobTemplate",
    "location",
    "offer",
    "opening",
    "project",
    "sequenceTemplate",
    "source",
    "sourceTrackingLink",
    "surveyFormDefinition",
    "surveyRequest",
    "surveySubmission",
    "takeHomeAssignment",
    "user",
    "userInterviewerPause",
)

TS = sa.DateTime(timezone=True)


def _table(kind: str) -> str:
    import re

    return "ashby_" + re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower()


def upgrade() -> None:
    json_type = sa.JSON().with_variant(JSONB(), "postgresql")
    for kind in KINDS:
        name = _table(kind)
        op.create_table(
            name,
            sa.Column("connection_id", sa.String(64), nullable=False),
            sa.Column("id", sa.String(255), nullable=False),
            sa.Column("parent_id", sa.String(255), nullable=True),
            sa.Column("raw", json_type, nullable=False),
            sa.Column("raw_hash", sa.String(32), nullable=False),
            sa.Column("updated_at", TS, nullable=True),
            sa.Column("synced_at", TS, nullable=False),
            sa.Column("changed_at", TS, nullable=False),
            sa.Column("deleted_at", TS, nullable=True),
            sa.PrimaryKeyConstraint("connection_id", "id", name=f"pk_{name}"),
        )
        op.create_index(f"ix_{name}_updated", name, ["connection_id", "updated_at"])
        op.create_index(f"ix_{name}_changed", name, ["connection_id", "changed_at"])
    op.create_table(
        "sync_state",
        sa.Column("connection_id", sa.String(64), nullable=False),
        sa.Column("stream", sa.String(128), nullable=False),
        sa.Column("sync_token", sa.Text, nullable=True),
        sa.Column("run_mode", sa.String(16), nullable=True),
        sa.Column("run_sync_token", sa.Text, nullable=True),
        sa.Column("cursor", sa.Text, nullable=True),
        sa.Column("run_started_at", TS, nullable=True),
        sa.Column("run_fetched", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("run_changed", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("run_pages", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("parent_watermark", TS, nullable=True),
        sa.Column("last_full_sync_at", TS, nullable=True),
        sa.Column("last_success_at", TS, nullable=True),
        sa.Column("last_fetched", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("last_changed", sa.BigInteger, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("connection_id", "stream", name="pk_sync_state"),
    )


def downgrade() -> None:
    op.drop_table("sync_state")
    for kind in KINDS:
        op.drop_table(_table(kind))
