"""The store's tables on one shared SQLAlchemy ``MetaData``.

Other parts (server, webhooks) define their tables on ``metadata`` too and ship their own Alembic
branch in ``store/migrations/versions`` (see docs/CONTRACTS.md).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from ashby_connector.store.kinds import CHILD_PARENTS, KINDS, LINKED_CHILDREN, table_name

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)

# JSONB on PostgreSQL so the server can filter inside records; TEXT-backed JSON on SQLite.
JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A moment, zone-aware in UTC both ways, so nothing above the store repairs a time. SQLite keeps
    no zone (a time is stored as UTC and comes back naive); PostgreSQL answers in the session's
    zone. The column is ``DateTime(timezone=True)`` in the database either way."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC)  # SQLite would drop the offset of any other zone
        return value  # naive (taken as UTC), None, or text the dialect reads itself

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if not isinstance(value, datetime):
            return value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


TS = UtcDateTime()


def record_columns(*, linked: bool = False) -> list[sa.Column[object]]:
    """Columns shared by every record table; ``linked`` tables key each row by its parent too."""
    return [
        sa.Column("connection_id", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(255), primary_key=True),
        # The parent record for child lists (candidate of a note, plan of a stage, ...).
        sa.Column("parent_id", sa.String(255), primary_key=linked, nullable=not linked),
        sa.Column("raw", JSONType, nullable=False),
        # Hash of the canonical raw JSON: "changed" means the record really differs.
        sa.Column("raw_hash", sa.String(32), nullable=False),
        sa.Column("updated_at", TS, nullable=True),
        sa.Column("synced_at", TS, nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.Column("deleted_at", TS, nullable=True),
    ]


def _record_table(kind: str) -> sa.Table:
    name = table_name(kind)
    indexes = [
        sa.Index(f"ix_{name}_updated", "connection_id", "updated_at"),
        sa.Index(f"ix_{name}_changed", "connection_id", "changed_at"),
    ]
    if kind in CHILD_PARENTS:
        indexes.append(sa.Index(f"ix_{name}_parent", "connection_id", "parent_id"))
    return sa.Table(name, metadata, *record_columns(linked=kind in LINKED_CHILDREN), *indexes)


RECORD_TABLES: dict[str, sa.Table] = {kind: _record_table(kind) for kind in KINDS}

sync_state = sa.Table(
    "sync_state",
    metadata,
    sa.Column("connection_id", sa.String(64), primary_key=True),
    sa.Column("stream", sa.String(128), primary_key=True),
    # Token of the last finished run: the next incremental run starts from it.
    sa.Column("sync_token", sa.Text, nullable=True),
    # The unfinished run: its mode, the token it started from, and the cursor of its next page.
    sa.Column("run_mode", sa.String(16), nullable=True),
    sa.Column("run_sync_token", sa.Text, nullable=True),
    sa.Column("cursor", sa.Text, nullable=True),
    sa.Column("run_started_at", TS, nullable=True),
    sa.Column("run_fetched", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("run_changed", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("run_pages", sa.BigInteger, nullable=False, server_default="0"),
    # Child streams: parents that changed since this instant are fetched next time.
    sa.Column("parent_watermark", TS, nullable=True),
    sa.Column("last_full_sync_at", TS, nullable=True),
    sa.Column("last_success_at", TS, nullable=True),
    sa.Column("last_fetched", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("last_changed", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=True),
)


# When a parent's children of a child list were last listed whole: lazy reads refetch children that
# were never fetched or are older than the parent's last change.
child_fetches = sa.Table(
    "child_fetches",
    metadata,
    sa.Column("connection_id", sa.String(64), primary_key=True),
    sa.Column("stream", sa.String(128), primary_key=True),
    sa.Column("parent_id", sa.String(255), primary_key=True),
    sa.Column("fetched_at", TS, nullable=False),
)


def record_table(kind: str) -> sa.Table:
    try:
        return RECORD_TABLES[kind]
    except KeyError:
        raise KeyError(f"unknown object kind {kind!r}; known: {', '.join(KINDS)}") from None
