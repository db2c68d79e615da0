"""store: index child records by parent; remember why a stream last failed.

Revision ID: store_0002
Revises: store_0001
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "store_0002"
down_revision = "store_0001"
branch_labels = None
depends_on = None

# Only the child lists need the parent lookup.
CHILD_KINDS = (
    "applicationCriteriaEvaluation",
    "applicationHistory",
    "candidateClientInfo",
    "candidateFraudCheck",
    "candidateNote",
    "candidateProject",
    "interviewEvent",
    "interviewStage",
    "userInterviewerPause",
)


def _table(kind: str) -> str:
    return "ashby_" + re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower()


def upgrade() -> None:
    for kind in CHILD_KINDS:
        name = _table(kind)
        op.create_index(f"ix_{name}_parent", name, ["connection_id", "parent_id"])
    with op.batch_alter_table("sync_state") as batch:
        batch.add_column(sa.Column("last_error", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_state") as batch:
        batch.drop_column("last_error")
    for kind in CHILD_KINDS:
        name = _table(kind)
        op.drop_index(f"ix_{name}_parent", table_name=name)
