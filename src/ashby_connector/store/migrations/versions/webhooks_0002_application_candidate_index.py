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

# The expression must be written exactly as ``store.queries.json_path_sql`` writes it, or the
# planner will not use the index (a test checks the query plan on both databases).
EXPRESSION = {
    "postgresql": "(raw #>> '{candidate,id}')",
    "sqlite": "json_extract(raw, '$.candidate.id')",
}


def upgrade() -> None:
    expression = EXPRESSION[op.get_bind().dialect.name]
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_ashby_application_candidate_id "
        f"ON ashby_application (connection_id, {expression})"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_ashby_application_candidate_id")
