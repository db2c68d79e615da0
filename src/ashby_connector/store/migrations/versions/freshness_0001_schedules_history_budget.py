"""freshness: schedules, sync run history, run leases, scheduler heartbeats, shared rate budgets.

Revision ID: freshness_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "freshness_0001"
down_revision = None
branch_labels = ("freshness",)
depends_on = "store_0001"

TS = sa.DateTime(timezone=True)
JSON_TYPE = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "sync_schedule",
        sa.Column("connection_id", sa.String(64), primary_key=True),
        sa.Column("incremental_every_minutes", sa.Float, nullable=False),
        sa.Column("reconcile_every_hours", sa.Float, nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("next_incremental_at", sa.Float, nullable=False),
        sa.Column("next_reconcile_at", sa.Float, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("connection_id", name="pk_sync_schedule"),
    )
    op.create_table(
        "sync_run",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("connection_id", sa.String(64), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("streams", sa.JSON, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("started_at", TS, nullable=True),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("requests", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("fetched", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("changed", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("errors", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("report", JSON_TYPE, nullable=True),
        sa.Column("worker", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sync_run"),
    )
    op.create_index("ix_sync_run_connection_created", "sync_run", ["connection_id", "created_at"])
    op.create_table(
        "sync_lease",
        sa.Column("connection_id", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("connection_id", name="pk_sync_lease"),
    )
    op.create_table(
        "scheduler_heartbeat",
        sa.Column("holder", sa.String(200), primary_key=True),
        sa.Column("beat_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("holder", name="pk_scheduler_heartbeat"),
    )
    op.create_table(
        "rate_budget",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("per_minute", sa.Float, nullable=False),
        sa.Column("tokens", sa.Float, nullable=False),
        sa.Column("factor", sa.Float, nullable=False, server_default="1"),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("blocked_until", sa.Float, nullable=False, server_default="0"),
        sa.Column("last_cut", sa.Float, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("key_hash", name="pk_rate_budget"),
    )


def downgrade() -> None:
    for name in ("rate_budget", "scheduler_heartbeat", "sync_lease"):
        op.drop_table(name)
    op.drop_index("ix_sync_run_connection_created", table_name="sync_run")
    op.drop_table("sync_run")
    op.drop_table("sync_schedule")
