"""webhooks: index applications by their candidate's id (candidateMerge re-points them).

Revision ID: webhooks_0002
Revises: webhooks_0001
"""

from __future__ import annotations

from alembic import op

revision = "webhooks_0002"
down_revision = "webhooks_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from ashby_connector.webhooks.lookup import INDEXED, create_index_sql

    dialect = op.get_bind().dialect.name
    for kind, path in INDEXED:
        op.execute(create_index_sql(dialect, kind, path))


def downgrade() -> None:
    from ashby_connector.webhooks.lookup import INDEXED

    for name in INDEXED.values():
        op.execute(f"DROP INDEX IF EXISTS {name}")
