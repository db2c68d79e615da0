"""server: one-time Connect links (an end customer pastes their Ashby key).

Revision ID: server_0002
Revises: server_0001
"""

from __future__ import annotations

from alembic import op

revision = "server_0002"
down_revision = "server_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from ashby_connector.server.tables import metadata

    metadata.tables["server_connect_link"].create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    op.drop_table("server_connect_link")
