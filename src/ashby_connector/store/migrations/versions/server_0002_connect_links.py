"""server: one-time Connect links (an end customer pastes their Ashby key).

Revision ID: server_0002
Revises: server_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "server_0002"
down_revision = "server_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_connect_link",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("owner_id", sa.String(200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("connection_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_server_connect_link"),
    )


def downgrade() -> None:
    op.drop_table("server_connect_link")
