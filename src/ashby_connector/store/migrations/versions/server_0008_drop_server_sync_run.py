"""server: drop ``server_sync_run``, the runs table before the sync history.

freshness_0002 copied its rows into ``sync_run`` (the one history every run is recorded in) and
nothing has written to it since; this runs after that copy.

Revision ID: server_0008
Revises: server_0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "server_0008"
down_revision = "server_0007"
branch_labels = None
depends_on = "freshness_0002"


def upgrade() -> None:
    op.drop_index("ix_server_sync_run_connection_id", table_name="server_sync_run")
    op.drop_table("server_sync_run")


def downgrade() -> None:
    # The table comes back empty: its runs live on in ``sync_run``.
    op.create_table(
        "server_sync_run",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("connection_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("full", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("report", sa.JSON, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_server_sync_run"),
    )
    op.create_index("ix_server_sync_run_connection_id", "server_sync_run", ["connection_id"])
