"""Records Ashby keeps inside others, findable by their own id: a candidate's files.

Ashby has no file list: attachments are read out of candidates (``fileHandles``,
``resumeFileHandle``). To find one attachment by its id without reading every candidate, each
stored candidate's file ids go in ``record_piece`` (written with the candidate, in the same
transaction), so a lookup is two primary-key reads. A file id names one file, so it points at one
candidate: the one that last listed it.
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
    sa.Column("record_id", sa.String(255), nullable=False),
)


def piece_ids(kind: str, raw: dict[str, Any]) -> list[str]:
    """The ids of the pieces a stored record holds (empty for kinds that hold none): a
    candidate's files, an offer's letters (the files of its versions)."""
    if kind == "candidate":
        handles = [h for h in raw.get("fileHandles") or [] if isinstance(h, dict)]
        resume = raw.get("resumeFileHandle")
        if isinstance(resume, dict):
            handles.append(resume)
    elif kind == "offer":
        versions = [v for v in raw.get("versions") or [raw.get("latestVersion")] if isinstance(v, dict)]
        handles = [h for v in versions for h in v.get("fileHandles") or [] if isinstance(h, dict)]
    else:
        return []
    ids = (h.get("id") for h in handles)
    return list(dict.fromkeys(i for i in ids if isinstance(i, str) and 0 < len(i) <= 255))


HOLDING_KINDS = frozenset({"candidate", "offer"})


def record_pieces(
    conn: sa.Connection, connection_id: str, kind: str, records: Iterable[tuple[str, dict[str, Any]]]
) -> None:
    """Point each piece these (id, raw) records hold at its record.

    Nothing is deleted: a row left by a file a candidate no longer has only sends a lookup to that
    candidate, where the file is not found (the reader checks), so writes stay one upsert.
    """
    values = [(connection_id, kind, pid, rid) for rid, raw in records for pid in piece_ids(kind, raw)]
    if values:
        marks = "?, ?, ?, ?" if conn.dialect.name == "sqlite" else "%s, %s, %s, %s"
        conn.exec_driver_sql(
            "INSERT INTO record_piece (connection_id, kind, piece_id, record_id) "
            f"VALUES ({marks}) ON CONFLICT (connection_id, kind, piece_id) "
            "DO UPDATE SET record_id = excluded.record_id",
            values,
        )


def holder_ids(conn: sa.Connection, connection_id: str, kind: str, piece_id: str) -> list[str]:
    t = record_piece
    query = sa.select(t.c.record_id).where(
        t.c.connection_id == connection_id, t.c.kind == kind, t.c.piece_id == piece_id
    )
    return [str(r) for r in conn.execute(query).scalars()]
