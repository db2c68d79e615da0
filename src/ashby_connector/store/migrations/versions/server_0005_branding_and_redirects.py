"""server: each tenant's Connect page branding, and the page a Connect link sends back to.

Revision ID: server_0005
Revises: server_0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "server_0005"
down_revision = "server_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_tenant_branding",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("branding", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.add_column("server_connect_link", sa.Column("redirect_url", sa.String(2000), nullable=True))


def downgrade() -> None:
    op.drop_column("server_connect_link", "redirect_url")
    op.drop_table("server_tenant_branding")
