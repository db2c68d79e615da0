"""freshness: a run's process is its ``holder`` (was ``worker``), the word its lease uses.

Revision ID: freshness_0004
Revises: freshness_0003
"""

from __future__ import annotations

from alembic import op

revision = "freshness_0004"
down_revision = "freshness_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_run") as batch:
        batch.alter_column("worker", new_column_name="holder")


def downgrade() -> None:
    with op.batch_alter_table("sync_run") as batch:
        batch.alter_column("holder", new_column_name="worker")
