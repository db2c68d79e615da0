"""server: sync runs beat while they run (runs of a killed process are marked interrupted).

Revision ID: server_0006
Revises: server_0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "server_0006"
down_revision = "server_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("server_sync_run") as batch:
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("server_sync_run") as batch:
        batch.drop_column("heartbeat_at")
