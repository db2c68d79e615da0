"""freshness: the fast lane's settings on each schedule (interval, lists, next poll).

Revision ID: freshness_0003
Revises: freshness_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "freshness_0003"
down_revision = "freshness_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_schedule") as batch:
        batch.add_column(sa.Column("fast_every_seconds", sa.Float, nullable=False, server_default="3"))
        batch.add_column(sa.Column("fast_streams", sa.JSON, nullable=True))
        batch.add_column(sa.Column("next_fast_at", sa.Float, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("sync_schedule") as batch:
        batch.drop_column("next_fast_at")
        batch.drop_column("fast_streams")
        batch.drop_column("fast_every_seconds")
