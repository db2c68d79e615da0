"""server: how many wrong keys were tried with each Connect link (spent after a few).

Revision ID: server_0007
Revises: server_0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "server_0007"
down_revision = "server_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "server_connect_link", sa.Column("wrong_keys", sa.Integer, nullable=False, server_default="0")
    )


def downgrade() -> None:
    op.drop_column("server_connect_link", "wrong_keys")
