"""freshness: copy the server's earlier sync runs (``server_sync_run``) into the sync history.

Revision ID: freshness_0002
Revises: freshness_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "freshness_0002"
down_revision = "freshness_0001"
branch_labels = None
depends_on = "server_0001"


def upgrade() -> None:
    # Runs the server started before schedules existed were all asked for by someone: manual.
    op.execute(
        sa.text(
            "INSERT INTO sync_run (id, connection_id, trigger, mode, status, created_at, started_at, "
            "finished_at, requests, fetched, changed, errors, error, report) "
            "SELECT id, connection_id, 'manual', CASE WHEN \"full\" THEN 'full' ELSE 'incremental' END, "
            "status, created_at, created_at, finished_at, 0, 0, 0, "
            "CASE WHEN status = 'failed' THEN 1 ELSE 0 END, error, report FROM server_sync_run "
            "WHERE id NOT IN (SELECT id FROM sync_run)"
        )
    )


def downgrade() -> None:
    op.execute(
        sa.text("DELETE FROM sync_run WHERE trigger = 'manual' AND id IN (SELECT id FROM server_sync_run)")
    )
