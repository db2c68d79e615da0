"""What the health of many connections is computed from, read in a fixed number of queries
whatever the number of connections (the console's list and ``GET /connections`` show hundreds).

Each function takes the connections' ids and answers a dict keyed by connection id; connections
with nothing to report are absent. The statements are built once, with the ids as one expanding
parameter, so each call only binds values (building the record count over every record table
cost more than running it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa

from ashby_connector.store.freshness import sync_lease, sync_run, sync_schedule
from ashby_connector.store.schema import RECORD_TABLES, sync_state
from ashby_connector.store.schema_tenancy import connection
from ashby_connector.store.schema_webhooks import webhook_outbox

FINISHED = ("succeeded", "failed")


def _ids() -> sa.BindParameter[Any]:
    return sa.bindparam("ids", expanding=True)


def _wanted() -> sa.CTE:
    """The connections asked about, bound once however many parts of a statement refer to them."""
    return sa.select(connection.c.id).where(connection.c.id.in_(_ids())).cte("wanted")


def _newest_id(wanted: sa.CTE, statuses: tuple[str, ...] | None) -> sa.ScalarSelect[Any]:
    """Per wanted connection, its newest run's id (of ``statuses``): one seek down the
    (connection, created) index, not a scan of the whole history."""
    r = sync_run
    newest = sa.select(r.c.id).where(r.c.connection_id == wanted.c.id)
    if statuses is not None:
        newest = newest.where(r.c.status.in_(statuses))
    return newest.order_by(r.c.created_at.desc(), r.c.id.desc()).limit(1).scalar_subquery()


@cache
def _newest_ids() -> sa.Select[Any]:
    wanted = _wanted()
    return sa.select(
        wanted.c.id,
        _newest_id(wanted, None).label("latest"),
        _newest_id(wanted, FINISHED).label("finished"),
        _newest_id(wanted, ("succeeded",)).label("succeeded"),
    ).select_from(wanted)


@cache
def _runs_by_id() -> sa.Select[Any]:
    return sa.select(sync_run).where(sync_run.c.id.in_(sa.bindparam("run_ids", expanding=True)))


@dataclass(frozen=True)
class NewestRuns:
    """A connection's newest run, newest finished run and newest successful run (often one row)."""

    latest: dict[str, Any] | None
    finished: dict[str, Any] | None
    succeeded: dict[str, Any] | None


def newest_runs(engine: sa.Engine, ids: Sequence[str]) -> dict[str, NewestRuns]:
    """Per connection, its newest runs (whole rows, each read once): two queries in all."""
    if not ids:
        return {}
    with engine.connect() as conn:
        heads = {
            str(r.id): (r.latest, r.finished, r.succeeded)
            for r in conn.execute(_newest_ids(), {"ids": list(ids)})
        }
        wanted = sorted({run_id for head in heads.values() for run_id in head if run_id})
        runs: dict[str, dict[str, Any]] = {}
        if wanted:
            runs = {str(r.id): dict(r._mapping) for r in conn.execute(_runs_by_id(), {"run_ids": wanted})}
    return {
        c: NewestRuns(*(runs.get(run_id) if run_id else None for run_id in head)) for c, head in heads.items()
    }


@cache
def _requests_since() -> sa.Select[Any]:
    r = sync_run
    return (
        sa.select(r.c.connection_id, sa.func.sum(r.c.requests))
        .where(r.c.connection_id.in_(_ids()), r.c.created_at >= sa.bindparam("since"))
        .group_by(r.c.connection_id)
    )


def requests_since(engine: sa.Engine, ids: Sequence[str], since: datetime) -> dict[str, int]:
    """Requests the runs created since ``since`` sent, per connection."""
    if not ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(_requests_since(), {"ids": list(ids), "since": since})
        return {str(c): int(n or 0) for c, n in rows}


@cache
def _stalest_streams() -> sa.Select[Any]:
    s = sync_state
    return (
        sa.select(s.c.connection_id, sa.func.min(s.c.last_success_at))
        .where(s.c.connection_id.in_(_ids()), s.c.last_success_at.is_not(None))
        .group_by(s.c.connection_id)
    )


def stalest_streams(engine: sa.Engine, ids: Sequence[str]) -> dict[str, datetime]:
    """Per connection, the oldest last success of its streams (the connection's lag starts there)."""
    if not ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(_stalest_streams(), {"ids": list(ids)})
        return {str(c): at for c, at in rows if at is not None}


@cache
def _record_counts() -> sa.Select[Any]:
    wanted = sa.select(_wanted().c.id)
    parts = [
        sa.select(t.c.connection_id).where(t.c.connection_id.in_(wanted), t.c.deleted_at.is_(None))
        for t in RECORD_TABLES.values()
    ]
    union = sa.union_all(*parts).subquery()
    return sa.select(union.c.connection_id, sa.func.count()).group_by(union.c.connection_id)


def record_counts(engine: sa.Engine, ids: Sequence[str]) -> dict[str, int]:
    """Live records stored per connection, every kind together (one query over every table)."""
    if not ids:
        return {}
    with engine.connect() as conn:
        return {str(c): int(n) for c, n in conn.execute(_record_counts(), {"ids": list(ids)})}


@cache
def _failing_deliveries() -> sa.Select[Any]:
    o = webhook_outbox
    failing = sa.or_(o.c.status == "failed", sa.and_(o.c.status == "pending", o.c.attempts > 0))
    return (
        sa.select(o.c.connection_id, sa.func.count())
        .where(o.c.connection_id.in_(_ids()), failing)
        .group_by(o.c.connection_id)
    )


def failing_deliveries(engine: sa.Engine, ids: Sequence[str]) -> dict[str, int]:
    """Unified events about each connection that failed to reach a subscriber: given up on, or
    pending after at least one failed attempt."""
    if not ids:
        return {}
    with engine.connect() as conn:
        return {str(c): int(n) for c, n in conn.execute(_failing_deliveries(), {"ids": list(ids)})}


def held_leases(engine: sa.Engine, ids: Sequence[str], now: float) -> dict[str, str]:
    """The live lease holder of each connection that has one."""
    if not ids:
        return {}
    lease = sync_lease
    query = sa.select(lease.c.connection_id, lease.c.holder).where(
        lease.c.connection_id.in_(_ids()), lease.c.expires_at >= now
    )
    with engine.connect() as conn:
        return {str(c): str(h) for c, h in conn.execute(query, {"ids": list(ids)})}


def schedule_rows(engine: sa.Engine, ids: Sequence[str]) -> dict[str, Any]:
    """The stored schedule rows of these connections."""
    if not ids:
        return {}
    query = sa.select(sync_schedule).where(sync_schedule.c.connection_id.in_(_ids()))
    with engine.connect() as conn:
        return {str(row.connection_id): row for row in conn.execute(query, {"ids": list(ids)})}
