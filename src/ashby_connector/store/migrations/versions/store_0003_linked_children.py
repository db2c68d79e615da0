"""store: candidate projects are stored per (connection, project, candidate), one row per link;
``child_fetches`` remembers when each parent's children were listed (lazy child lists).

Before this revision a project listed under several candidates kept only its last link. The table
is rebuilt with the parent in its primary key (rows kept), and the stream's sync state is dropped
so the next sync lists every candidate's projects again and restores the links that were lost.

Revision ID: store_0003
Revises: store_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "store_0003"
down_revision = "store_0002"
branch_labels = None
depends_on = None

TABLE = "ashby_candidate_project"
STREAM = "candidateProject"
TS = sa.DateTime(timezone=True)
COLUMNS = "connection_id, id, parent_id, raw, raw_hash, updated_at, synced_at, changed_at, deleted_at"


def _rebuild(linked: bool) -> None:
    json_type = sa.JSON().with_variant(JSONB(), "postgresql")
    new = f"{TABLE}_rebuilt"
    key = ("connection_id", "id", "parent_id") if linked else ("connection_id", "id")
    op.create_table(
        new,
        sa.Column("connection_id", sa.String(64), nullable=False),
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("parent_id", sa.String(255), nullable=not linked),
        sa.Column("raw", json_type, nullable=False),
        sa.Column("raw_hash", sa.String(32), nullable=False),
        sa.Column("updated_at", TS, nullable=True),
        sa.Column("synced_at", TS, nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.Column("deleted_at", TS, nullable=True),
        sa.PrimaryKeyConstraint(*key, name=f"pk_{new}"),
    )
    if linked:
        select = COLUMNS.replace("parent_id", "COALESCE(parent_id, '')", 1)
        op.execute(f"INSERT INTO {new} ({COLUMNS}) SELECT {select} FROM {TABLE}")
    else:
        # Going back to one row per project: keep the most recently changed link of each.
        op.execute(
            f"INSERT INTO {new} ({COLUMNS}) SELECT {COLUMNS} FROM {TABLE} t WHERE NOT EXISTS ("
            f"SELECT 1 FROM {TABLE} o WHERE o.connection_id = t.connection_id AND o.id = t.id "
            "AND (o.changed_at > t.changed_at "
            "OR (o.changed_at = t.changed_at AND o.parent_id > t.parent_id)))"
        )
    op.drop_table(TABLE)
    op.rename_table(new, TABLE)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {TABLE} RENAME CONSTRAINT pk_{new} TO pk_{TABLE}")
    op.create_index(f"ix_{TABLE}_updated", TABLE, ["connection_id", "updated_at"])
    op.create_index(f"ix_{TABLE}_changed", TABLE, ["connection_id", "changed_at"])
    op.create_index(f"ix_{TABLE}_parent", TABLE, ["connection_id", "parent_id"])
    # Links lost (or merged) here come back only by listing every candidate's projects again.
    op.execute(f"DELETE FROM sync_state WHERE stream = '{STREAM}'")


def upgrade() -> None:
    _rebuild(linked=True)
    op.create_table(
        "child_fetches",
        sa.Column("connection_id", sa.String(64), nullable=False),
        sa.Column("stream", sa.String(128), nullable=False),
        sa.Column("parent_id", sa.String(255), nullable=False),
        sa.Column("fetched_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("connection_id", "stream", "parent_id", name="pk_child_fetches"),
    )


def downgrade() -> None:
    op.drop_table("child_fetches")
    _rebuild(linked=False)
