"""directory: the Ashby users the role-gap report has seen, and the sync that first brought each.

Revision ID: directory_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "directory_0001"
down_revision = None
branch_labels = ("directory",)
depends_on = "store_0001"


def upgrade() -> None:
    op.create_table(
        "directory_user_seen",
        sa.Column("connection_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("first_seen_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("connection_id", "user_id", name="pk_directory_user_seen"),
    )


def downgrade() -> None:
    op.drop_table("directory_user_seen")
