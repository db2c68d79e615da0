"""Our users' subscriptions to unified events: per tenant, optionally per connection."""

from __future__ import annotations

import base64
import functools
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ashby_connector.refusals import SettingRefused
from ashby_connector.store.engine import Begin
from ashby_connector.store.schema_webhooks import webhook_subscription
from ashby_connector.store.secrets import SecretBox
from ashby_connector.times import iso_epoch
from ashby_connector.webhooks.outbound_url import OutboundPolicy, OutboundURLError

CHANGES = ("created", "updated", "deleted")
# Events that are not a record change: model -> its event names (``assessment.started``).
LIFECYCLE_EVENTS: dict[str, tuple[str, ...]] = {"assessment": ("started", "cancelled")}
# Sync outcomes, sent only to subscriptions that name them in ``events``.
SYNC_EVENTS = ("sync.finished", "sync.failed")
MATCH_CACHE_SECONDS = 2.0


# A subscription that cannot be honoured answers 422 with this code, naming the field.
INVALID = "invalid_subscription"


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    tenant_id: str
    connection_id: str | None
    url: str
    models: list[str]
    events: list[str]
    enabled: bool
    created_at: float
    updated_at: float

    def wants(self, model: str, change: str) -> bool:
        # Sensitive models (EEOC answers) only reach subscriptions that name them.
        every_model = not self.models and model not in _sensitive_models()
        return (
            self.enabled
            and (every_model or model in self.models)
            and (not self.events or change in self.events)
        )

    def wants_sync(self, event_type: str) -> bool:
        return self.enabled and event_type in self.events

    def to_api(self, *, secret: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "url": self.url,
            "connectionId": self.connection_id,
            "models": self.models,
            "events": self.events,
            "enabled": self.enabled,
            "createdAt": _iso(self.created_at),
            "updatedAt": _iso(self.updated_at),
        }
        if secret is not None:
            out["secret"] = secret
        return out


def _iso(ts: float) -> str | None:
    return iso_epoch(ts, z=True, timespec="milliseconds")


def new_signing_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


@functools.cache
def _sensitive_models() -> frozenset[str]:
    from ashby_connector import unified

    return frozenset(spec.name for spec in unified.models() if spec.sensitive)


def _known_models() -> set[str]:
    from ashby_connector import unified

    return {spec.name for spec in unified.models()} | set(LIFECYCLE_EVENTS)


def _check(
    policy: OutboundPolicy, url: str, models: Iterable[str], events: Iterable[str]
) -> tuple[str, list[str], list[str]]:
    try:
        policy.check(url)
    except OutboundURLError as exc:
        raise SettingRefused(f"url: {exc}", "url", code=INVALID, rule=exc.rule) from None
    models, events = list(models), list(events)
    unknown = sorted(set(models) - _known_models())
    if unknown:
        raise SettingRefused(f"unknown models: {', '.join(unknown)}", "models", code=INVALID)
    known = set(CHANGES).union(*LIFECYCLE_EVENTS.values(), SYNC_EVENTS)
    bad = sorted(set(events) - known)
    if bad:
        message = f"unknown events: {', '.join(bad)} (use {', '.join(sorted(known))})"
        raise SettingRefused(message, "events", code=INVALID)
    return url, models, events


class Subscriptions:
    def __init__(
        self,
        engine: sa.Engine,
        box: SecretBox,
        *,
        clock: Callable[[], float] = time.time,
        begin: Begin | None = None,
        policy: OutboundPolicy | None = None,
    ) -> None:
        self.engine = engine
        self.policy = policy or OutboundPolicy()
        self.begin: Begin = begin or engine.begin
        self.box = box
        self.clock = clock
        # connection -> (expires, subscriptions): every stored change asks, so the answer is cached
        # briefly; changes made through this object clear it at once.
        self._matching: dict[tuple[str, str | None], tuple[float, list[Subscription]]] = {}

    def create(
        self,
        tenant_id: str,
        *,
        url: str,
        models: Iterable[str] = (),
        events: Iterable[str] = (),
        connection_id: str | None = None,
    ) -> tuple[Subscription, str]:
        """The new subscription and its signing secret (shown to the user once, stored encrypted)."""
        url, model_list, event_list = _check(self.policy, url, models, events)
        secret = new_signing_secret()
        now = self.clock()
        row = {
            "id": "sub_" + uuid.uuid4().hex,
            "tenant_id": tenant_id,
            "connection_id": connection_id,
            "url": url,
            "models": model_list,
            "events": event_list,
            "secret_encrypted": self.box.encrypt(secret),
            "enabled": True,
            "created_at": now,
            "updated_at": now,
        }
        with self.begin() as conn:
            conn.execute(sa.insert(webhook_subscription).values(**row))
        self._matching.clear()
        return _from_row(row), secret

    def get(self, tenant_id: str, subscription_id: str) -> Subscription | None:
        t = webhook_subscription
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t).where(t.c.id == subscription_id, t.c.tenant_id == tenant_id)
            ).first()
        return _from_row(row._mapping) if row is not None else None

    def for_tenant(self, tenant_id: str) -> list[Subscription]:
        t = webhook_subscription
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t).where(t.c.tenant_id == tenant_id).order_by(t.c.created_at, t.c.id)
            )
            return [_from_row(r._mapping) for r in rows]

    def update(self, tenant_id: str, subscription_id: str, **changes: Any) -> Subscription | None:
        """Change any of url, models, events, enabled, connection_id; None when not found."""
        current = self.get(tenant_id, subscription_id)
        if current is None:
            return None
        allowed = {"url", "models", "events", "enabled", "connection_id"}
        extra = set(changes) - allowed
        if extra:
            raise SettingRefused(f"cannot change: {', '.join(sorted(extra))}", sorted(extra)[0], code=INVALID)
        url, models, events = _check(
            self.policy,
            changes.get("url", current.url),
            changes.get("models", current.models),
            changes.get("events", current.events),
        )
        values = {**changes, "url": url, "models": models, "events": events, "updated_at": self.clock()}
        t = webhook_subscription
        with self.begin() as conn:
            conn.execute(
                sa.update(t).where(t.c.id == subscription_id, t.c.tenant_id == tenant_id).values(**values)
            )
        self._matching.clear()
        return self.get(tenant_id, subscription_id)

    def delete(self, tenant_id: str, subscription_id: str) -> bool:
        t = webhook_subscription
        with self.begin() as conn:
            res = conn.execute(sa.delete(t).where(t.c.id == subscription_id, t.c.tenant_id == tenant_id))
        self._matching.clear()
        return res.rowcount > 0

    def secret_of(self, subscription_id: str) -> str | None:
        t = webhook_subscription
        with self.engine.connect() as conn:
            token = conn.execute(sa.select(t.c.secret_encrypted).where(t.c.id == subscription_id)).scalar()
        return self.box.decrypt(token) if token else None

    def matching(self, connection_id: str, tenant_id: str | None) -> list[Subscription]:
        """Enabled subscriptions that receive this connection's events (at most 2 s stale)."""
        key = (connection_id, tenant_id)
        hit = self._matching.get(key)
        now = time.monotonic()
        if hit is not None and hit[0] > now:
            return hit[1]
        found = self._query_matching(connection_id, tenant_id)
        self._matching[key] = (now + MATCH_CACHE_SECONDS, found)
        return found

    def _query_matching(self, connection_id: str, tenant_id: str | None) -> list[Subscription]:
        t = webhook_subscription
        cond = t.c.connection_id == connection_id
        if tenant_id is not None:
            cond = sa.or_(cond, sa.and_(t.c.connection_id.is_(None), t.c.tenant_id == tenant_id))
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t).where(cond, t.c.enabled.is_(True)))
            return [_from_row(r._mapping) for r in rows]


def _from_row(row: Any) -> Subscription:
    return Subscription(
        id=row["id"],
        tenant_id=row["tenant_id"],
        connection_id=row["connection_id"],
        url=row["url"],
        models=list(row["models"] or []),
        events=list(row["events"] or []),
        enabled=bool(row["enabled"]),
        created_at=float(row["created_at"]),
        updated_at=float(row["updated_at"]),
    )
