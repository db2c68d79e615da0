"""webhooks: queued events and delivery attempts name their connection (deleted with it).

Revision ID: webhooks_0003
Revises: webhooks_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "webhooks_0003"
down_revision = "webhooks_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("webhook_outbox", "webhook_delivery"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("connection_id", sa.String(64), nullable=True))
        op.create_index(f"ix_{table}_connection", table, ["connection_id"])
    # The record key starts with the connection id: "<connection>:<model>:<record id>".
    if op.get_bind().dialect.name == "postgresql":
        first = "split_part(record_key, ':', 1)"
    else:
        first = "substr(record_key, 1, instr(record_key, ':') - 1)"
    op.execute(f"UPDATE webhook_outbox SET connection_id = {first}")
    op.execute(
        "UPDATE webhook_delivery SET connection_id = (SELECT o.connection_id FROM webhook_outbox o "
        "WHERE o.subscription_id = webhook_delivery.subscription_id "
        "AND o.event_id = webhook_delivery.event_id)"
    )


def downgrade() -> None:
    for table in ("webhook_delivery", "webhook_outbox"):
        op.drop_index(f"ix_{table}_connection", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("connection_id")
