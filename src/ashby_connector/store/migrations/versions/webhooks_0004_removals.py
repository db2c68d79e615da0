"""webhooks: Ashby webhook settings still to remove after their connection was deleted.

Revision ID: webhooks_0004
Revises: webhooks_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "webhooks_0004"
down_revision = "webhooks_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_removal",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=False, autoincrement=True
        ),
        sa.Column("ashby_webhook_id", sa.String(64), nullable=False),
        sa.Column("webhook_type", sa.String(64), nullable=False),
        sa.Column("api_key_encrypted", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_webhook_removal"),
    )


def downgrade() -> None:
    op.drop_table("webhook_removal")
