"""server: each connection's child policies (which child lists its syncs fetch, and when).

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
    # {stream: policy} overriding the defaults; NULL keeps every default.
    op.add_column("server_connection", sa.Column("child_policies", sa.JSON, nullable=True))


def downgrade() -> None:
    op.drop_column("server_connection", "child_policies")
