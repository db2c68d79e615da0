"""What the health of many connections is computed from, read in a fixed number of queries
whatever the number of connections (the console's list and ``GET /connections`` show hundreds).

Each function takes the connections' ids and answers a dict keyed by connection id; connections
with nothing to report are absent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ashby_connector.store.freshness import sync_lease, sync_run, sync_schedule
from ashby_connector.store.schema import RECORD_TABLES, sync_state
from ashby_connector.store.schema_webhooks import webhook_outbox

FINISHED = ("succeeded", "failed")


def latest_runs(
    engine: sa.Engine, ids: Sequence[str], *, statuses: Sequence[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Each connection's newest run (of ``statuses`` when given), the whole row."""
    if not ids:
        return {}
    r = sync_run
    rank = (
        sa.func.row_number()
        .over(partition_by=r.c.connection_id, order_by=(r.c.created_at.desc(), r.c.id.desc()))
        .label("rank")
    )
    inner = sa.select(r, rank).where(r.c.connection_id.in_(ids))
    if statuses is not None:
        inner = inner.where(r.c.status.in_(statuses))
    sub = inner.subquery()
    query = sa.select(*(sub.c[c.name] for c in r.columns)).where(sub.c.rank == 1)
    with engine.connect() as conn:
        return {str(row.connection_id): dict(row._mapping) for row in conn.execute(query)}


def last_successes(engine: sa.Engine, ids: Sequence[str]) -> dict[str, datetime]:
    """When each connection's last successful run finished."""
    if not ids:
        return {}
    r = sync_run
    query = (
        sa.select(r.c.connection_id, sa.func.max(r.c.finished_at))
        .where(r.c.connection_id.in_(ids), r.c.status == "succeeded")
        .group_by(r.c.connection_id)
    )
    with engine.connect() as conn:
        return {str(c): at for c, at in conn.execute(query) if at is not None}


def requests_since(engine: sa.Engine, ids: Sequence[str], since: datetime) -> dict[str, int]:
    """Requests the runs created since ``since`` sent, per connection."""
    if not ids:
        return {}
    r = sync_run
    query = (
        sa.select(r.c.connection_id, sa.func.sum(r.c.requests))
        .where(r.c.connection_id.in_(ids), r.c.created_at >= since)
        .group_by(r.c.connection_id)
    )
    with engine.connect() as conn:
        return {str(c): int(n or 0) for c, n in conn.execute(query)}


def stalest_streams(engine: sa.Engine, ids: Sequence[str]) -> dict[str, datetime]:
    """Per connection, the oldest last success of its streams (the connection's lag starts there)."""
    if not ids:
        return {}
    s = sync_state
    query = (
        sa.select(s.c.connection_id, sa.func.min(s.c.last_success_at))
        .where(s.c.connection_id.in_(ids), s.c.last_success_at.is_not(None))
        .group_by(s.c.connection_id)
    )
    with engine.connect() as conn:
        return {str(c): at for c, at in conn.execute(query) if at is not None}


def record_counts(engine: sa.Engine, ids: Sequence[str]) -> dict[str, int]:
    """Live records stored per connection, every kind together (one query over every table)."""
    if not ids:
        return {}
    parts = [
        sa.select(t.c.connection_id).where(t.c.connection_id.in_(ids), t.c.deleted_at.is_(None))
        for t in RECORD_TABLES.values()
    ]
    union = sa.union_all(*parts).subquery()
    query = sa.select(union.c.connection_id, sa.func.count()).group_by(union.c.connection_id)
    with engine.connect() as conn:
        return {str(c): int(n) for c, n in conn.execute(query)}


def failing_deliveries(engine: sa.Engine, ids: Sequence[str]) -> dict[str, int]:
    """Unified events about each connection that failed to reach a subscriber: given up on, or
    pending after at least one failed attempt."""
    if not ids:
        return {}
    o = webhook_outbox
    failing = sa.or_(o.c.status == "failed", sa.and_(o.c.status == "pending", o.c.attempts > 0))
    query = (
        sa.select(o.c.connection_id, sa.func.count())
        .where(o.c.connection_id.in_(ids), failing)
        .group_by(o.c.connection_id)
    )
    with engine.connect() as conn:
        return {str(c): int(n) for c, n in conn.execute(query)}


def held_leases(engine: sa.Engine, ids: Sequence[str], now: float) -> dict[str, str]:
    """The live lease holder of each connection that has one."""
    if not ids:
        return {}
    lease = sync_lease
    query = sa.select(lease.c.connection_id, lease.c.holder).where(
        lease.c.connection_id.in_(ids), lease.c.expires_at >= now
    )
    with engine.connect() as conn:
        return {str(c): str(h) for c, h in conn.execute(query)}


def schedule_rows(engine: sa.Engine, ids: Sequence[str]) -> dict[str, Any]:
    """The stored schedule rows of these connections."""
    if not ids:
        return {}
    query = sa.select(sync_schedule).where(sync_schedule.c.connection_id.in_(ids))
    with engine.connect() as conn:
        return {str(row.connection_id): row for row in conn.execute(query)}
