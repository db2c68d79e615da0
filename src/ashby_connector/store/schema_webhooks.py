"""Webhook tables: inbox, connection secrets, Ashby settings, subscriptions, outbox, delivery log
(Alembic branch ``webhooks``).

Times that drive scheduling are float epoch seconds: compared in SQL on every poll, cheap and the
same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa

from ashby_connector.store.schema import metadata

# SQLite only autoincrements an INTEGER PRIMARY KEY.
SEQ = sa.BigInteger().with_variant(sa.Integer, "sqlite")

# One row per webhook received from Ashby. The unique key is the de-duplication rule: Ashby keeps
# webhookActionId across retries, and the related webhooks one event fires share it but differ in
# action, so each of those is kept and handled.
webhook_inbox = sa.Table(
    "webhook_inbox",
    metadata,
    sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
    sa.Column("connection_id", sa.String(64), nullable=False),
    sa.Column("webhook_action_id", sa.String(255), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    # The raw body exactly as signed: what was verified is what gets processed.
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("received_at", sa.Float, nullable=False),
    # pending -> done | failed (failed rows are retried up to a limit, then left for a human).
    sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.Float, nullable=False, server_default="0"),
    sa.Column("processed_at", sa.Float, nullable=True),
    sa.Column("result", sa.String(32), nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.UniqueConstraint("connection_id", "webhook_action_id", "action", name="uq_webhook_inbox_action"),
    sa.Index("ix_webhook_inbox_status_seq", "status", "seq"),
)

# Per connection: the generated secret Ashby signs with (encrypted) and where we registered.
webhook_connection = sa.Table(
    "webhook_connection",
    metadata,
    sa.Column("connection_id", sa.String(64), primary_key=True),
    sa.Column("secret_encrypted", sa.Text, nullable=False),
    sa.Column("url", sa.Text, nullable=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_ping_at", sa.Float, nullable=True),
)

# The Ashby webhook settings we created (Ashby has no webhook.list, so we must remember them).
webhook_setting = sa.Table(
    "webhook_setting",
    metadata,
    sa.Column("connection_id", sa.String(64), primary_key=True),
    sa.Column("webhook_type", sa.String(64), primary_key=True),
    sa.Column("ashby_webhook_id", sa.String(64), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

# Our users' endpoints for unified events.
webhook_subscription = sa.Table(
    "webhook_subscription",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    # None: every connection of the tenant.
    sa.Column("connection_id", sa.String(64), nullable=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("models", sa.JSON, nullable=False),  # [] = every model
    sa.Column("events", sa.JSON, nullable=False),  # [] = created, updated and deleted
    sa.Column("secret_encrypted", sa.Text, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Index("ix_webhook_subscription_tenant", "tenant_id"),
)

# Unified events waiting for (or done with) delivery: one row per (subscription, event).
webhook_outbox = sa.Table(
    "webhook_outbox",
    metadata,
    sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
    sa.Column("subscription_id", sa.String(64), nullable=False),
    # The connection the event is about: deleting a connection deletes its queued events too.
    sa.Column("connection_id", sa.String(64), nullable=True),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("event_type", sa.String(96), nullable=False),
    # The ordering key: events for one record go out in seq order.
    sa.Column("record_key", sa.String(255), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    # pending -> delivered | failed (gave up after the last retry)
    sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.Float, nullable=False),
    sa.Column("delivered_at", sa.Float, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.UniqueConstraint("subscription_id", "event_id", name="uq_webhook_outbox_event"),
    sa.Index("ix_webhook_outbox_status_seq", "status", "seq"),
    sa.Index("ix_webhook_outbox_connection", "connection_id"),
)

# Every delivery attempt, readable per subscription through the server.
webhook_delivery = sa.Table(
    "webhook_delivery",
    metadata,
    sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
    sa.Column("subscription_id", sa.String(64), nullable=False),
    sa.Column("connection_id", sa.String(64), nullable=True),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("event_type", sa.String(96), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("attempted_at", sa.Float, nullable=False),
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("success", sa.Boolean, nullable=False),
    sa.Column("duration_ms", sa.Float, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Index("ix_webhook_delivery_subscription", "subscription_id", "seq"),
    sa.Index("ix_webhook_delivery_connection", "connection_id"),
)

# Ashby webhook settings of a deleted connection that Ashby could not be reached to remove: retried
# with the (encrypted) key until ``webhook.delete`` succeeds. Not the connection's data: an errand
# owed to Ashby, so it names the setting, not the connection.
webhook_removal = sa.Table(
    "webhook_removal",
    metadata,
    sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
    sa.Column("ashby_webhook_id", sa.String(64), nullable=False),
    sa.Column("webhook_type", sa.String(64), nullable=False),
    sa.Column("api_key_encrypted", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.Float, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
)

WEBHOOK_TABLES: tuple[sa.Table, ...] = (
    webhook_inbox,
    webhook_connection,
    webhook_setting,
    webhook_subscription,
    webhook_outbox,
    webhook_delivery,
    webhook_removal,
)
