"""Tenancy tables: platform keys (tenants), connections, their field mappings and custom models,
Connect links and sync runs (Alembic branch ``server``)."""

from __future__ import annotations

import sqlalchemy as sa

from ashby_connector.store.schema import TS, metadata

# A platform key is a tenant: it sees only the connections it created.
platform_key = sa.Table(
    "server_platform_key",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("revoked_at", TS, nullable=True),
)

connection = sa.Table(
    "server_connection",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
    sa.Column("owner_id", sa.String(200), nullable=False),
    # Fernet token of the Ashby key; the key itself is never stored in clear.
    sa.Column("api_key_encrypted", sa.Text, nullable=False),
    sa.Column("key_title", sa.String(500), nullable=True),
    sa.Column("scopes", sa.JSON, nullable=True),  # None: the key did not tell
    # Requested ``model::action`` operations (Morph style); None: none requested (server_0003).
    sa.Column("operations", sa.JSON, nullable=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    # Child policies this connection sets, {stream: policy}; streams not named keep the defaults
    # (``sync.policies``). None: all defaults (server_0006).
    sa.Column("child_policies", sa.JSON, nullable=True),
)

field_mapping = sa.Table(
    "server_field_mapping",
    metadata,
    sa.Column("connection_id", sa.String(64), primary_key=True),
    sa.Column("model", sa.String(64), primary_key=True),
    sa.Column("entries", sa.JSON, nullable=False),
)

custom_model = sa.Table(
    "server_custom_model",
    metadata,
    sa.Column("connection_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("definition", sa.JSON, nullable=False),
)

# A one-time link an end customer opens to paste their Ashby key (the token is stored hashed).
connect_link = sa.Table(
    "server_connect_link",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("owner_id", sa.String(200), nullable=False),
    sa.Column("expires_at", TS, nullable=False),
    sa.Column("connection_id", sa.String(64), nullable=True),  # set once used
    sa.Column("operations", sa.JSON, nullable=True),  # requested model::action list (server_0004)
    sa.Column("redirect_url", sa.String(2000), nullable=True),  # where to send the customer (server_0005)
    # Wrong keys tried with it; the link is spent after ``MAX_WRONG_KEYS`` (server_0007).
    sa.Column("wrong_keys", sa.Integer, nullable=False, server_default="0"),
)

# Each tenant's Connect page branding, validated by ``core.connections.branding`` (server_0005).
tenant_branding = sa.Table(
    "server_tenant_branding",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("branding", sa.JSON, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)

TENANCY_TABLES = (
    platform_key,
    connection,
    field_mapping,
    custom_model,
    connect_link,
    tenant_branding,
)
