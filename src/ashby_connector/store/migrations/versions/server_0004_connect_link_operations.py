"""server: the operations a Connect link asks for (given to the connection it creates).

Revision ID: server_0004
Revises: server_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "server_0004"
down_revision = "server_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Databases made before the migrations were explicit got this column from server_0002.
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("server_connect_link")}
    if "operations" not in columns:
        op.add_column("server_connect_link", sa.Column("operations", sa.JSON, nullable=True))


def downgrade() -> None:
    op.drop_column("server_connect_link", "operations")
