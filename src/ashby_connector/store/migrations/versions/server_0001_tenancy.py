"""server: platform keys, connections, field mappings, custom models, sync runs.

Revision ID: server_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "server_0001"
down_revision = None
branch_labels = ("server",)
depends_on = "store_0001"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "server_platform_key",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_server_platform_key"),
        sa.UniqueConstraint("key_hash", name="uq_server_platform_key_key_hash"),
    )
    op.create_table(
        "server_connection",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("owner_id", sa.String(200), nullable=False),
        sa.Column("api_key_encrypted", sa.Text, nullable=False),
        sa.Column("key_title", sa.String(500), nullable=True),
        sa.Column("scopes", sa.JSON, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_server_connection"),
    )
    op.create_index("ix_server_connection_tenant_id", "server_connection", ["tenant_id"])
    op.create_table(
        "server_field_mapping",
        sa.Column("connection_id", sa.String(64), nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("entries", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("connection_id", "model", name="pk_server_field_mapping"),
    )
    op.create_table(
        "server_custom_model",
        sa.Column("connection_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("connection_id", "name", name="pk_server_custom_model"),
    )
    op.create_table(
        "server_sync_run",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("connection_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("full", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("report", sa.JSON, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_server_sync_run"),
    )
    op.create_index("ix_server_sync_run_connection_id", "server_sync_run", ["connection_id"])


def downgrade() -> None:
    for name in (
        "server_sync_run",
        "server_custom_model",
        "server_field_mapping",
        "server_connection",
        "server_platform_key",
    ):
        op.drop_table(name)
