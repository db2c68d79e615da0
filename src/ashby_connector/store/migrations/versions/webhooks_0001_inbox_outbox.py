"""webhooks: inbox, connection secrets, Ashby settings, subscriptions, outbox, delivery log.

Revision ID: webhooks_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "webhooks_0001"
down_revision = None
branch_labels = ("webhooks",)
depends_on = "store_0001"

# SQLite only autoincrements an INTEGER PRIMARY KEY.
SEQ = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "webhook_inbox",
        sa.Column("seq", SEQ, nullable=False, autoincrement=True),
        sa.Column("connection_id", sa.String(64), nullable=False),
        sa.Column("webhook_action_id", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("received_at", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.Float, nullable=False, server_default="0"),
        sa.Column("processed_at", sa.Float, nullable=True),
        sa.Column("result", sa.String(32), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_webhook_inbox"),
        sa.UniqueConstraint("connection_id", "webhook_action_id", "action", name="uq_webhook_inbox_action"),
    )
    op.create_index("ix_webhook_inbox_status_seq", "webhook_inbox", ["status", "seq"])
    op.create_table(
        "webhook_connection",
        sa.Column("connection_id", sa.String(64), nullable=False),
        sa.Column("secret_encrypted", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_ping_at", sa.Float, nullable=True),
        sa.PrimaryKeyConstraint("connection_id", name="pk_webhook_connection"),
    )
    op.create_table(
        "webhook_setting",
        sa.Column("connection_id", sa.String(64), nullable=False),
        sa.Column("webhook_type", sa.String(64), nullable=False),
        sa.Column("ashby_webhook_id", sa.String(64), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("connection_id", "webhook_type", name="pk_webhook_setting"),
    )
    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("connection_id", sa.String(64), nullable=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("models", sa.JSON, nullable=False),
        sa.Column("events", sa.JSON, nullable=False),
        sa.Column("secret_encrypted", sa.Text, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_subscription"),
    )
    op.create_index("ix_webhook_subscription_tenant", "webhook_subscription", ["tenant_id"])
    op.create_table(
        "webhook_outbox",
        sa.Column("seq", SEQ, nullable=False, autoincrement=True),
        sa.Column("subscription_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(96), nullable=False),
        sa.Column("record_key", sa.String(255), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("delivered_at", sa.Float, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_webhook_outbox"),
        sa.UniqueConstraint("subscription_id", "event_id", name="uq_webhook_outbox_event"),
    )
    op.create_index("ix_webhook_outbox_status_seq", "webhook_outbox", ["status", "seq"])
    op.create_table(
        "webhook_delivery",
        sa.Column("seq", SEQ, nullable=False, autoincrement=True),
        sa.Column("subscription_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(96), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("attempted_at", sa.Float, nullable=False),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("success", sa.Boolean, nullable=False),
        sa.Column("duration_ms", sa.Float, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_webhook_delivery"),
    )
    op.create_index("ix_webhook_delivery_subscription", "webhook_delivery", ["subscription_id", "seq"])


def downgrade() -> None:
    for name in (
        "webhook_delivery",
        "webhook_outbox",
        "webhook_subscription",
        "webhook_setting",
        "webhook_connection",
        "webhook_inbox",
    ):
        op.drop_table(name)
