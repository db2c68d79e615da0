"""store: applications' form submissions (their screening answers), a child list of applications
stored per (connection, application, submission).

Revision ID: store_0005
Revises: store_0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "store_0005"
down_revision = "store_0004"
branch_labels = None
depends_on = None

TABLE = "ashby_application_form_submission"
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("connection_id", sa.String(64), nullable=False),
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("parent_id", sa.String(255), nullable=False),
        sa.Column("raw", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.Column("raw_hash", sa.String(32), nullable=False),
        sa.Column("updated_at", TS, nullable=True),
        sa.Column("synced_at", TS, nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.Column("deleted_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("connection_id", "id", "parent_id", name=f"pk_{TABLE}"),
    )
    op.create_index(f"ix_{TABLE}_updated", TABLE, ["connection_id", "updated_at"])
    op.create_index(f"ix_{TABLE}_changed", TABLE, ["connection_id", "changed_at"])
    op.create_index(f"ix_{TABLE}_parent", TABLE, ["connection_id", "parent_id"])


def downgrade() -> None:
    op.drop_table(TABLE)
