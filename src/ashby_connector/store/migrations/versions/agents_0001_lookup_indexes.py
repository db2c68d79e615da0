"""agents: index the JSON paths the questions of people and agents look records up by.

A job's applications, an application's interview schedules, offers and feedback, and interview
events by start time (``store.insights``).

Revision ID: agents_0001
Revises:
"""

from __future__ import annotations

from alembic import op

revision = "agents_0001"
down_revision = None
branch_labels = ("agents",)
depends_on = "store_0001"

# (index name, table, JSON path): each expression is written exactly as
# ``store.queries.json_path_sql`` writes it, or the planner will not use the index.
INDEXES = (
    ("ix_ashby_application_job_id", "ashby_application", ("job", "id")),
    ("ix_ashby_interview_schedule_application_id", "ashby_interview_schedule", ("applicationId",)),
    ("ix_ashby_offer_application_id", "ashby_offer", ("applicationId",)),
    ("ix_ashby_application_feedback_application_id", "ashby_application_feedback", ("applicationId",)),
    ("ix_ashby_interview_event_start_time", "ashby_interview_event", ("startTime",)),
)


def _expression(dialect: str, path: tuple[str, ...]) -> str:
    if dialect == "postgresql":
        return "(raw #>> '{" + ",".join(path) + "}')"
    return "json_extract(raw, '$." + ".".join(path) + "')"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, table, path in INDEXES:
        op.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} (connection_id, {_expression(dialect, path)})"
        )


def downgrade() -> None:
    for name, _table, _path in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
