"""store: find a candidate's file by its id (``record_piece``), filled from the stored candidates.

Revision ID: store_0004
Revises: store_0003
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "store_0004"
down_revision = "store_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_piece",
        sa.Column("connection_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(64), primary_key=True),
        sa.Column("piece_id", sa.String(255), primary_key=True),
        sa.Column("record_id", sa.String(255), nullable=False),
    )
    # The candidates already stored: their file ids, as the store writes them from now on.
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT connection_id, id, raw FROM ashby_candidate"))
    values: dict[tuple[str, str], dict[str, str]] = {}
    for connection_id, record_id, raw in rows:
        data = json.loads(raw) if isinstance(raw, str | bytes) else raw
        handles = [h for h in (data or {}).get("fileHandles") or [] if isinstance(h, dict)]
        if isinstance((data or {}).get("resumeFileHandle"), dict):
            handles.append(data["resumeFileHandle"])
        for piece in dict.fromkeys(h.get("id") for h in handles):
            if isinstance(piece, str) and 0 < len(piece) <= 255:
                row = {"connection_id": connection_id, "kind": "candidate", "piece_id": piece}
                values[(connection_id, piece)] = {**row, "record_id": record_id}
    if values:
        table = sa.table(
            "record_piece",
            sa.column("connection_id"),
            sa.column("kind"),
            sa.column("piece_id"),
            sa.column("record_id"),
        )
        op.bulk_insert(table, list(values.values()))


def downgrade() -> None:
    op.drop_table("record_piece")
