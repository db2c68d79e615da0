"""Tenants, connections, field mappings, custom models, Connect links and sync runs: the queries
over the tenancy tables."""

from __future__ import annotations

import secrets
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa

from ashby_connector.store import queries
from ashby_connector.store import schema_tenancy as t
from ashby_connector.store.repository import Store
from ashby_connector.store.secrets import hash_platform_key, new_id, new_platform_key
from ashby_connector.times import utcnow


@dataclass(frozen=True)
class ConnectLink:
    """An open Connect link: whose it is, what it asks for, where it sends the customer back."""

    tenant_id: str
    owner_id: str
    operations: list[str] | None
    redirect_url: str | None


@dataclass(frozen=True)
class ConnectionRow:
    id: str
    tenant_id: str
    owner_id: str
    api_key_encrypted: str
    key_title: str | None
    scopes: list[str] | None
    created_at: datetime
    updated_at: datetime
    operations: list[str] | None = None
    child_policies: dict[str, str] | None = None

    def __repr__(self) -> str:  # the encrypted key stays out of logs too
        return f"ConnectionRow(id={self.id!r}, tenant_id={self.tenant_id!r}, owner_id={self.owner_id!r})"


LinkState = Literal["open", "used", "spent", "expired", "unknown"]
# Wrong Ashby keys a Connect link takes before it is spent (a guessing customer asks for a new one).
MAX_WRONG_KEYS = 5

# Hot lookups (key -> tenant, connection, field mapping) are cached this long. Writes through this
# process clear the cache at once; another process sees a revocation, a rotation or a change of
# requested operations within this delay (the docs promise 1 s, a request's own time included).
CACHE_SECONDS = 0.5


class _TTLCache:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._data: dict[Any, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Any) -> tuple[bool, Any]:
        with self._lock:
            hit = self._data.get(key)
        if hit is None or hit[0] < time.monotonic():
            return False, None
        return True, hit[1]

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            if len(self._data) > 10_000:
                self._data.clear()
            self._data[key] = (time.monotonic() + self.seconds, value)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


# One cache per store for every Tenancy on it (the core's, the sync service's, the lazy reads'),
# so a write through any of them is seen at once by all of them in this process.
_CACHES: weakref.WeakKeyDictionary[Store, dict[float, _TTLCache]] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def _shared_cache(store: Store, seconds: float) -> _TTLCache:
    with _CACHES_LOCK:
        return _CACHES.setdefault(store, {}).setdefault(seconds, _TTLCache(seconds))


def sample_secret(store: Store) -> str | None:
    """One encrypted secret the store holds (a connection's Ashby key, else a webhook secret), to
    prove a master key can read them; None for a database that holds none."""
    from ashby_connector.store import schema_webhooks as w

    with store.engine.connect() as conn:
        for column in (t.connection.c.api_key_encrypted, w.webhook_connection.c.secret_encrypted):
            found = conn.execute(sa.select(column).limit(1)).scalar()
            if found is not None:
                return str(found)
    return None


class Tenancy:
    def __init__(self, store: Store, cache_seconds: float = CACHE_SECONDS) -> None:
        self.store = store
        self._cache = _shared_cache(store, cache_seconds)

    # -- platform keys -------------------------------------------------------------------------
    def create_platform_key(self, name: str) -> tuple[str, str]:
        """A new tenant key: returns (key id, the key itself); only its hash is stored."""
        key = new_platform_key()
        key_id = new_id("tenant")
        with self.store.transaction() as conn:
            conn.execute(
                sa.insert(t.platform_key).values(
                    id=key_id, name=name, key_hash=hash_platform_key(key), created_at=utcnow()
                )
            )
        return key_id, key

    def tenant_for_key(self, key: str) -> str | None:
        # Lookup by hash: an index hit, and no comparison against the key itself.
        digest = hash_platform_key(key)
        found, cached = self._cache.get(("key", digest))
        if found:
            return str(cached) if cached else None
        tenant = self._tenant_for_hash(digest)
        self._cache.put(("key", digest), tenant)
        return tenant

    def _tenant_for_hash(self, digest: str) -> str | None:
        with self.store.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.platform_key.c.id).where(
                    t.platform_key.c.key_hash == digest,
                    t.platform_key.c.revoked_at.is_(None),
                )
            ).first()
        return str(row.id) if row else None

    def active_tenant_name(self, tenant_id: str) -> str | None:
        """The name of a tenant whose platform key is not revoked (None: unknown or revoked)."""
        found, cached = self._cache.get(("tenant", tenant_id))
        if found:
            return str(cached) if cached else None
        with self.store.engine.connect() as conn:
            name = conn.execute(
                sa.select(t.platform_key.c.name).where(
                    t.platform_key.c.id == tenant_id, t.platform_key.c.revoked_at.is_(None)
                )
            ).scalar()
        self._cache.put(("tenant", tenant_id), name)
        return str(name) if name else None

    def list_platform_keys(self) -> list[dict[str, Any]]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    t.platform_key.c.id,
                    t.platform_key.c.name,
                    t.platform_key.c.created_at,
                    t.platform_key.c.revoked_at,
                )
            )
            return [dict(r._mapping) for r in rows]

    def revoke_platform_key(self, key_id: str) -> bool:
        with self.store.transaction() as conn:
            res = conn.execute(
                sa.update(t.platform_key).where(t.platform_key.c.id == key_id).values(revoked_at=utcnow())
            )
        self._cache.clear()
        return bool(res.rowcount)

    # -- connections ---------------------------------------------------------------------------
    def create_connection(
        self,
        tenant_id: str,
        owner_id: str,
        encrypted: str,
        title: str | None,
        scopes: list[str] | None,
        operations: list[str] | None = None,
    ) -> ConnectionRow:
        now = utcnow()
        row = ConnectionRow(
            new_id("conn"), tenant_id, owner_id, encrypted, title, scopes, now, now, operations
        )
        with self.store.transaction() as conn:
            conn.execute(sa.insert(t.connection).values(**row.__dict__))
        return row

    def get_connection(self, tenant_id: str, connection_id: str) -> ConnectionRow | None:
        """The connection if ``tenant_id`` owns it; another tenant's connection is simply absent."""
        found, cached = self._cache.get(("conn", tenant_id, connection_id))
        if found:
            return cached  # type: ignore[no-any-return]
        row = self._get_connection(tenant_id, connection_id)
        self._cache.put(("conn", tenant_id, connection_id), row)
        return row

    def _get_connection(self, tenant_id: str, connection_id: str) -> ConnectionRow | None:
        with self.store.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.connection).where(
                    t.connection.c.id == connection_id, t.connection.c.tenant_id == tenant_id
                )
            ).first()
        return ConnectionRow(**row._mapping) if row else None

    def key_token(self, connection_id: str) -> str | None:
        """The connection's encrypted key as stored now (None: no such connection). Uncached: a
        client cache compares it to notice a rotation made by another process."""
        with self.store.engine.connect() as conn:
            token = conn.execute(
                sa.select(t.connection.c.api_key_encrypted).where(t.connection.c.id == connection_id)
            ).scalar()
        return str(token) if token is not None else None

    def tenant_of(self, connection_id: str) -> str | None:
        """The tenant owning the connection, or None once it is deleted."""
        found, cached = self._cache.get(("tenant", connection_id))
        if found:
            return str(cached) if cached else None
        with self.store.engine.connect() as conn:
            tenant = conn.execute(
                sa.select(t.connection.c.tenant_id).where(t.connection.c.id == connection_id)
            ).scalar()
        self._cache.put(("tenant", connection_id), tenant)
        return str(tenant) if tenant is not None else None

    def find_connection(self, connection_id: str) -> ConnectionRow | None:
        """The connection whoever owns it (background jobs; never for a request's tenant check)."""
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(t.connection).where(t.connection.c.id == connection_id)).first()
        return ConnectionRow(**row._mapping) if row else None

    def operations_of(self, connection_id: str) -> tuple[bool, list[str] | None]:
        """(the connection exists, its requested operations); cached like ``tenant_of``: every
        change event and every sync asks it."""
        found, cached = self._cache.get(("ops", connection_id))
        if found:
            return cached  # type: ignore[no-any-return]
        with self.store.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.connection.c.operations).where(t.connection.c.id == connection_id)
            ).first()
        value = (
            row is not None,
            list(row.operations) if row is not None and row.operations is not None else None,
        )
        self._cache.put(("ops", connection_id), value)
        return value

    def list_connections(self, tenant_id: str) -> list[ConnectionRow]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.connection)
                .where(t.connection.c.tenant_id == tenant_id)
                .order_by(t.connection.c.id)
            )
            return [ConnectionRow(**r._mapping) for r in rows]

    def all_connection_ids(self) -> list[str]:
        """Every connection of every tenant (what the scheduler keeps fresh)."""
        with self.store.engine.connect() as conn:
            ids = conn.execute(sa.select(t.connection.c.id).order_by(t.connection.c.id)).scalars()
            return [str(i) for i in ids]

    def update_connection_key(
        self, connection_id: str, encrypted: str, title: str | None, scopes: list[str] | None
    ) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                sa.update(t.connection)
                .where(t.connection.c.id == connection_id)
                .values(api_key_encrypted=encrypted, key_title=title, scopes=scopes, updated_at=utcnow())
            )
        self._cache.clear()

    def update_connection_fields(
        self,
        connection_id: str,
        *,
        owner_id: str | None = None,
        operations: list[str] | None = None,
        clear_operations: bool = False,
        title: str | None = None,
        scopes: list[str] | None = None,
    ) -> None:
        """Change what a ``PATCH /connections/{id}`` names (the key's title and scopes as Ashby
        told them just now); ``clear_operations`` lifts the requested operations."""
        values: dict[str, Any] = {"key_title": title, "scopes": scopes, "updated_at": utcnow()}
        if owner_id is not None:
            values["owner_id"] = owner_id
        if operations is not None or clear_operations:
            values["operations"] = operations
        with self.store.transaction() as conn:
            conn.execute(sa.update(t.connection).where(t.connection.c.id == connection_id).values(**values))
        self._cache.clear()

    def get_child_policies(self, connection_id: str) -> dict[str, str] | None:
        """The child policies the connection sets (None: none, or no such connection). Uncached:
        a change must reach the next sync in any process."""
        with self.store.engine.connect() as conn:
            stored = conn.execute(
                sa.select(t.connection.c.child_policies).where(t.connection.c.id == connection_id)
            ).scalar()
        return {str(k): str(v) for k, v in stored.items()} if isinstance(stored, dict) else None

    def set_child_policies(self, connection_id: str, policies: dict[str, str]) -> bool:
        """Replace the connection's child policies (empty: all defaults); False: no such connection."""
        with self.store.transaction() as conn:
            res = conn.execute(
                sa.update(t.connection)
                .where(t.connection.c.id == connection_id)
                .values(child_policies=policies or None, updated_at=utcnow())
            )
        self._cache.clear()
        return bool(res.rowcount)

    def delete_connection(self, connection_id: str) -> dict[str, int]:
        """Remove the connection and every row it owns in every table, in one transaction."""
        with self.store.transaction() as conn:
            deleted = queries.delete_connection_rows(conn, connection_id)
        self._cache.clear()
        return deleted

    # -- field mappings and custom models -----------------------------------------------------
    def get_field_mapping(self, connection_id: str, model: str) -> list[dict[str, Any]]:
        found, cached = self._cache.get(("map", connection_id, model))
        if found:
            return list(cached)
        entries = self._get_field_mapping(connection_id, model)
        self._cache.put(("map", connection_id, model), entries)
        return list(entries)

    def _get_field_mapping(self, connection_id: str, model: str) -> list[dict[str, Any]]:
        with self.store.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.field_mapping.c.entries).where(
                    t.field_mapping.c.connection_id == connection_id, t.field_mapping.c.model == model
                )
            ).first()
        return list(row.entries) if row else []

    def set_field_mapping(self, connection_id: str, model: str, entries: list[dict[str, Any]]) -> None:
        with self.store.transaction() as conn:
            row = {"connection_id": connection_id, "model": model, "entries": entries}
            queries.upsert(conn, t.field_mapping, [row], update=["entries"])
        self._cache.clear()

    def get_custom_model(self, connection_id: str, name: str) -> dict[str, Any] | None:
        with self.store.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.custom_model.c.definition).where(
                    t.custom_model.c.connection_id == connection_id, t.custom_model.c.name == name
                )
            ).first()
        return dict(row.definition) if row else None

    def list_custom_models(self, connection_id: str) -> list[dict[str, Any]]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.custom_model.c.definition)
                .where(t.custom_model.c.connection_id == connection_id)
                .order_by(t.custom_model.c.name)
            )
            return [dict(r.definition) for r in rows]

    def set_custom_model(self, connection_id: str, name: str, definition: dict[str, Any]) -> None:
        with self.store.transaction() as conn:
            row = {"connection_id": connection_id, "name": name, "definition": definition}
            queries.upsert(conn, t.custom_model, [row], update=["definition"])

    def delete_custom_model(self, connection_id: str, name: str) -> bool:
        with self.store.transaction() as conn:
            res = conn.execute(
                sa.delete(t.custom_model).where(
                    t.custom_model.c.connection_id == connection_id, t.custom_model.c.name == name
                )
            )
        return bool(res.rowcount)

    # -- connect links ---------------------------------------------------------------------------
    def create_connect_link(
        self,
        tenant_id: str,
        owner_id: str,
        expires_at: datetime,
        operations: list[str] | None = None,
        redirect_url: str | None = None,
    ) -> str:
        token = secrets.token_urlsafe(32)
        with self.store.transaction() as conn:
            conn.execute(
                sa.insert(t.connect_link).values(
                    token_hash=hash_platform_key(token),
                    tenant_id=tenant_id,
                    owner_id=owner_id,
                    expires_at=expires_at,
                    operations=operations,
                    redirect_url=redirect_url,
                )
            )
        return token

    def open_connect_link(self, token: str) -> ConnectLink | None:
        """A link that exists, has not expired, was not used and is not spent."""
        state, link = self.connect_link_state(token)
        return link if state == "open" else None

    def connect_link_state(self, token: str) -> tuple[LinkState, ConnectLink | None]:
        """Where a link stands: ``open`` (with the link), ``used``, ``spent`` (too many wrong keys),
        ``expired`` or ``unknown``."""
        if len(token) > 100:
            return "unknown", None
        with self.store.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.connect_link).where(t.connect_link.c.token_hash == hash_platform_key(token))
            ).first()
        if row is None:
            return "unknown", None
        if row.connection_id is not None:
            return "used", None
        if row.wrong_keys >= MAX_WRONG_KEYS:
            return "spent", None
        if row.expires_at <= utcnow():
            return "expired", None
        operations = [str(o) for o in row.operations] if isinstance(row.operations, list) else None
        return "open", ConnectLink(str(row.tenant_id), str(row.owner_id), operations, row.redirect_url)

    def wrong_key_tried(self, token: str) -> int:
        """Count a key Ashby refused on this link; returns how many were tried (one atomic update)."""
        key = hash_platform_key(token)
        with self.store.transaction() as conn:
            conn.execute(
                sa.update(t.connect_link)
                .where(t.connect_link.c.token_hash == key)
                .values(wrong_keys=t.connect_link.c.wrong_keys + 1)
            )
            count = conn.execute(
                sa.select(t.connect_link.c.wrong_keys).where(t.connect_link.c.token_hash == key)
            ).scalar()
        return int(count or 0)

    def use_connect_link(self, token: str, connection_id: str) -> bool:
        """Mark the link used; False when another request used it first."""
        with self.store.transaction() as conn:
            res = conn.execute(
                sa.update(t.connect_link)
                .where(
                    t.connect_link.c.token_hash == hash_platform_key(token),
                    t.connect_link.c.connection_id.is_(None),
                )
                .values(connection_id=connection_id)
            )
        return bool(res.rowcount)
