"""Tables that keep copies fresh: schedules, sync run history, run leases, shared rate budgets.

Alembic branch ``freshness`` (``freshness_0001``). The logic using them lives in
``ashby_connector.core`` (scheduler, history, status) and ``store.rate_budget``.
"""

from __future__ import annotations

import sqlalchemy as sa

from ashby_connector.store.schema import TS, JSONType, metadata

# One row per connection; a connection without one runs on the deployment's defaults.
sync_schedule = sa.Table(
    "sync_schedule",
    metadata,
    sa.Column("connection_id", sa.String(64), primary_key=True),
    sa.Column("incremental_every_minutes", sa.Float, nullable=False),
    sa.Column("reconcile_every_hours", sa.Float, nullable=False),
    sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
    # Epoch seconds: compared and advanced atomically by whichever scheduler claims the run.
    sa.Column("next_incremental_at", sa.Float, nullable=False),
    sa.Column("next_reconcile_at", sa.Float, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    # The fast lane (core.freshness.fast_lane): while webhooks are on, the lists no webhook covers are polled
    # every ``fast_every_seconds`` (0: off). ``fast_streams`` NULL: the deployment's default lists.
    sa.Column("fast_every_seconds", sa.Float, nullable=False, server_default="3"),
    sa.Column("fast_streams", sa.JSON, nullable=True),
    sa.Column("next_fast_at", sa.Float, nullable=False, server_default="0"),
)

# Every sync run, whoever started it: the history behind GET /syncs and `ashby-connector status`.
sync_run = sa.Table(
    "sync_run",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("connection_id", sa.String(64), nullable=False),
    sa.Column("trigger", sa.String(16), nullable=False),  # schedule | manual | webhook
    sa.Column("mode", sa.String(16), nullable=False),  # incremental | full | reconcile
    sa.Column("status", sa.String(16), nullable=False),  # queued | running | succeeded | failed | skipped
    sa.Column("streams", sa.JSON, nullable=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("started_at", TS, nullable=True),
    sa.Column("finished_at", TS, nullable=True),
    sa.Column("requests", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("fetched", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("changed", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("errors", sa.Integer, nullable=False, server_default="0"),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("report", JSONType, nullable=True),
    # The process that ran it (`holder_name()`), the same word as the lease's (freshness_0004).
    sa.Column("holder", sa.String(200), nullable=True),
    sa.Index("ix_sync_run_connection_created", "connection_id", "created_at"),
)

# At most one running sync per connection across every process: the holder renews its lease,
# and a lease whose holder died expires.
sync_lease = sa.Table(
    "sync_lease",
    metadata,
    sa.Column("connection_id", sa.String(64), primary_key=True),
    sa.Column("holder", sa.String(200), nullable=False),
    sa.Column("run_id", sa.String(64), nullable=True),
    sa.Column("expires_at", sa.Float, nullable=False),
)

# Schedulers write here each tick: /readyz tells whether any scheduler is alive.
scheduler_heartbeat = sa.Table(
    "scheduler_heartbeat",
    metadata,
    sa.Column("holder", sa.String(200), primary_key=True),
    sa.Column("beat_at", sa.Float, nullable=False),
)

# The shared token bucket per Ashby key (PostgreSQL): ``key_hash`` is a keyed hash of the key,
# never the key. The row ``*partner*`` holds the partner-wide slowdown.
rate_budget = sa.Table(
    "rate_budget",
    metadata,
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("per_minute", sa.Float, nullable=False),
    sa.Column("tokens", sa.Float, nullable=False),
    sa.Column("factor", sa.Float, nullable=False, server_default="1"),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("blocked_until", sa.Float, nullable=False, server_default="0"),
    sa.Column("last_cut", sa.Float, nullable=False, server_default="0"),
)

FRESHNESS_TABLES = (sync_schedule, sync_run, sync_lease, scheduler_heartbeat, rate_budget)
