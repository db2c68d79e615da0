"""server: platform keys, connections, field mappings, custom models, sync runs.

Revision ID: server_0001
Revises:
"""

from __future__ import annotations

from alembic import op

revision = "server_0001"
down_revision = None
branch_labels = ("server",)
depends_on = "store_0001"

# Creates the tables exactly as server/tables.py defines them today; later changes get their own
# revision with explicit operations.
TABLES = (
    "server_platform_key",
    "server_connection",
    "server_field_mapping",
    "server_custom_model",
    "server_sync_run",
)


def upgrade() -> None:
    from ashby_connector.server.tables import metadata

    bind = op.get_bind()
    for name in TABLES:
        metadata.tables[name].create(bind, checkfirst=True)


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
