"""server: the operations a connection was created for (Morph's ``model::action``).

Revision ID: server_0003
Revises: server_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "server_0003"
down_revision = "server_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Databases made before the migrations were explicit got this column from server_0001.
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("server_connection")}
    if "operations" not in columns:
        op.add_column("server_connection", sa.Column("operations", sa.JSON, nullable=True))


def downgrade() -> None:
    op.drop_column("server_connection", "operations")
