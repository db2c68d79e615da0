"""webhooks: inbox, connection secrets, Ashby settings, subscriptions, outbox, delivery log.

Revision ID: webhooks_0001
Revises:
"""

from __future__ import annotations

from alembic import op

revision = "webhooks_0001"
down_revision = None
branch_labels = ("webhooks",)
depends_on = "store_0001"

# This first revision creates the tables exactly as webhooks/tables.py defines them today; any later
# change to those tables gets its own revision with explicit operations.
TABLES = (
    "webhook_inbox",
    "webhook_connection",
    "webhook_setting",
    "webhook_subscription",
    "webhook_outbox",
    "webhook_delivery",
)


def upgrade() -> None:
    from ashby_connector.store.schema import metadata
    from ashby_connector.webhooks import tables  # noqa: F401  (defines the tables on metadata)

    bind = op.get_bind()
    for name in TABLES:
        metadata.tables[name].create(bind, checkfirst=True)


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
