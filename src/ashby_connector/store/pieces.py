"""Records Ashby keeps inside others, findable by their own id: a candidate's files.

Ashby has no file list: attachments are read out of candidates (``fileHandles``,
``resumeFileHandle``). To find one attachment by its id without reading every candidate, each
stored candidate's file ids go in ``record_piece`` (written with the candidate, in the same
transaction), so a lookup is two primary-key reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from ashby_connector.store.schema import metadata

record_piece = sa.Table(
    "record_piece",
    metadata,
    sa.Column("connection_id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(64), primary_key=True),
    sa.Column("piece_id", sa.String(255), primary_key=True),
    sa.Column("record_id", sa.String(255), primary_key=True),
    sa.Index("ix_record_piece_record", "connection_id", "kind", "record_id"),
)


def piece_ids(kind: str, raw: dict[str, Any]) -> list[str]:
    """The ids of the pieces a stored record holds (empty for kinds that hold none)."""
    if kind != "candidate":
        return []
    handles = [h for h in raw.get("fileHandles") or [] if isinstance(h, dict)]
    resume = raw.get("resumeFileHandle")
    if isinstance(resume, dict):
        handles.append(resume)
    ids = (h.get("id") for h in handles)
    return list(dict.fromkeys(i for i in ids if isinstance(i, str) and 0 < len(i) <= 255))


HOLDING_KINDS = frozenset({"candidate"})


def replace_pieces(
    conn: sa.Connection, connection_id: str, kind: str, records: Iterable[tuple[str, dict[str, Any]]]
) -> None:
    """Make ``record_piece`` say exactly which pieces each of these (id, raw) records holds."""
    t = record_piece
    rows = list(records)
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        conn.execute(
            sa.delete(t).where(
                t.c.connection_id == connection_id,
                t.c.kind == kind,
                t.c.record_id.in_([rid for rid, _ in chunk]),
            )
        )
        values = [
            {"connection_id": connection_id, "kind": kind, "piece_id": pid, "record_id": rid}
            for rid, raw in chunk
            for pid in piece_ids(kind, raw)
        ]
        if values:
            conn.execute(sa.insert(t), values)


def holder_ids(conn: sa.Connection, connection_id: str, kind: str, piece_id: str) -> list[str]:
    t = record_piece
    query = sa.select(t.c.record_id).where(
        t.c.connection_id == connection_id, t.c.kind == kind, t.c.piece_id == piece_id
    )
    return [str(r) for r in conn.execute(query).scalars()]
