"""Ashby webhook settings for a connection: one generated secret per connection (encrypted at rest),
one setting per webhook type, re-enabled when Ashby disabled it after a failed ping.

Ashby has no ``webhook.list``, so the settings we create are remembered in ``webhook_setting``.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import sqlalchemy as sa

from ashby_connector import catalog
from ashby_connector.errors import AshbyError
from ashby_connector.refusals import SettingRefused
from ashby_connector.store.engine import Begin
from ashby_connector.store.queries import upsert
from ashby_connector.store.schema_webhooks import webhook_connection, webhook_removal, webhook_setting
from ashby_connector.store.secrets import SecretBox
from ashby_connector.store.wakeups import SCHEDULES, Wakeups
from ashby_connector.webhooks.backoff import Backoff
from ashby_connector.webhooks.outbound_url import GuardedSender, OutboundPolicy, OutboundURLError
from ashby_connector.webhooks.protocols import AshbyCaller, KeyClientFactory
from ashby_connector.webhooks.signature import SIGNATURE_HEADER, sign_ashby_body

# The types whose payloads keep the store current (webhook.create accepts these and a few more).
DEFAULT_TYPES: tuple[str, ...] = (
    "applicationSubmit",
    "applicationUpdate",
    "candidateHire",
    "candidateStageChange",
    "candidateDelete",
    "candidateMerge",
    "interviewPlanTransition",
    "interviewScheduleCreate",
    "interviewScheduleUpdate",
    "jobPostingUpdate",
    "jobPostingPublish",
    "jobPostingUnpublish",
    "offerCreate",
    "offerUpdate",
    "offerDelete",
)
# The secret is read on every inbound webhook; a delete or a new secret made by another process
# reaches this one within this time (the inbox write also checks, so nothing lands after a delete).
SECRET_CACHE_SECONDS = 1.0
# Removing a deleted connection's settings in Ashby: retried every 30 s doubling to hourly, forever.
# Bad registration input (unknown types, a bad URL) answers 422 with this code, naming the field.
INVALID = "invalid_registration"
REMOVAL_BACKOFF = Backoff(base_seconds=30.0, cap_seconds=3600.0, max_attempts=2**31)


def creatable_types() -> list[str]:
    schema = catalog.operation("webhook.create").request_schema or {}
    return list(schema.get("properties", {}).get("webhookType", {}).get("enum", []))


def endpoint_url(public_url: str, connection_id: str, policy: OutboundPolicy | None = None) -> str:
    """The receiver URL for a connection: the public base URL plus ``/webhooks/ashby/{id}``.

    It must pass the outbound policy: registration pings it, and Ashby posts to it.
    """
    try:
        (policy or OutboundPolicy()).check(public_url)
    except OutboundURLError as exc:
        raise SettingRefused(f"url: {exc}", "url", code=INVALID, rule=exc.rule) from None
    if "/webhooks/ashby/" in public_url:
        return public_url
    return f"{public_url.rstrip('/')}/webhooks/ashby/{connection_id}"


@dataclass(frozen=True)
class RemovalOutcome:
    """Removing a deleted connection's settings in Ashby: what went, and what is retried later."""

    removed: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    error: str | None = None

    def to_api(self) -> dict[str, Any]:
        return {"removed": self.removed, "pending": self.pending, "error": self.error}


@dataclass(frozen=True, slots=True)
class SettingState:
    webhook_type: str
    ashby_webhook_id: str
    url: str
    enabled: bool

    def to_api(self) -> dict[str, Any]:
        return {
            "webhookType": self.webhook_type,
            "webhookId": self.ashby_webhook_id,
            "url": self.url,
            "enabled": self.enabled,
        }


def connections_with_webhooks(engine: sa.Engine) -> set[str]:
    """Connections with at least one enabled Ashby webhook setting: "webhooks on"."""
    t = webhook_setting
    with engine.connect() as conn:
        query = sa.select(t.c.connection_id).where(t.c.enabled.is_(True)).distinct()
        return {str(c) for c in conn.execute(query).scalars()}


class WebhookRegistry:
    def __init__(
        self,
        engine: sa.Engine,
        box: SecretBox,
        *,
        clock: Callable[[], float] = time.time,
        begin: Begin | None = None,
        sender: GuardedSender | None = None,
        wakeups: Wakeups | None = None,
    ) -> None:
        self.engine = engine
        self.begin: Begin = begin or engine.begin
        self.wakeups = wakeups or Wakeups(engine)
        self.box = box
        self.sender = sender or GuardedSender(OutboundPolicy(), timeout=5.0)
        self.clock = clock
        self._cache: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    # -- secrets --------------------------------------------------------------------------------
    def secret_for(self, connection_id: str) -> str | None:
        """The connection's webhook secret (cached briefly: this is on every inbound request)."""
        now = time.monotonic()
        hit = self._cache.get(connection_id)
        if hit is not None and hit[1] > now:
            return hit[0]
        t = webhook_connection
        with self.engine.connect() as conn:
            token = conn.execute(
                sa.select(t.c.secret_encrypted).where(t.c.connection_id == connection_id)
            ).scalar()
        if token is None:
            return None
        secret = self.box.decrypt(token)
        with self._lock:
            self._cache[connection_id] = (secret, now + SECRET_CACHE_SECONDS)
        return secret

    def forget(self, connection_id: str) -> None:
        """Drop the cached secret now (the connection was deleted here)."""
        with self._lock:
            self._cache.pop(connection_id, None)

    def ensure_secret(self, connection_id: str, url: str | None = None) -> str:
        existing = self.secret_for(connection_id)
        if existing is not None:
            if url is not None:
                with self.begin() as conn:
                    t = webhook_connection
                    conn.execute(sa.update(t).where(t.c.connection_id == connection_id).values(url=url))
            return existing
        secret = secrets.token_urlsafe(32)
        with self.begin() as conn:
            conn.execute(
                sa.insert(webhook_connection).values(
                    connection_id=connection_id,
                    secret_encrypted=self.box.encrypt(secret),
                    url=url,
                    created_at=self.clock(),
                )
            )
        return secret

    # -- settings -------------------------------------------------------------------------------
    def settings(self, connection_id: str) -> list[SettingState]:
        t = webhook_setting
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.c.webhook_type, t.c.ashby_webhook_id, t.c.url, t.c.enabled)
                .where(t.c.connection_id == connection_id)
                .order_by(t.c.webhook_type)
            )
            return [SettingState(r[0], r[1], r[2], bool(r[3])) for r in rows]

    def register(
        self,
        connection_id: str,
        client: AshbyCaller,
        public_url: str,
        types: Iterable[str] | None = None,
        *,
        probe: Callable[[str, str], bool] | None = None,
    ) -> list[SettingState]:
        """Create (or update) a setting per type; re-enable any Ashby left disabled once we answer.

        Idempotent: registering again updates the URL of existing settings instead of duplicating.
        """
        wanted = list(types) if types else list(DEFAULT_TYPES)
        allowed = set(creatable_types())
        unknown = sorted(set(wanted) - allowed)
        if unknown:
            message = f"Ashby cannot send these types: {', '.join(unknown)}"
            raise SettingRefused(message, "types", code=INVALID)
        url = endpoint_url(public_url, connection_id, self.sender.policy)
        secret = self.ensure_secret(connection_id, url)
        existing = {s.webhook_type: s for s in self.settings(connection_id)}
        for webhook_type in wanted:
            current = existing.get(webhook_type)
            if current is None:
                result = client.call(
                    "webhook.create", {"webhookType": webhook_type, "requestUrl": url, "secretToken": secret}
                )
            elif current.url != url:
                result = client.call(
                    "webhook.update",
                    {"webhookId": current.ashby_webhook_id, "requestUrl": url, "secretToken": secret},
                )
            else:
                result = client.call("webhook.info", {"webhookId": current.ashby_webhook_id})
            self._save(connection_id, webhook_type, result, url)
        self.reenable(connection_id, client, probe=probe)
        return self.settings(connection_id)

    def disabled_connections(self) -> list[str]:
        t = webhook_setting
        with self.engine.connect() as conn:
            query = sa.select(t.c.connection_id).where(t.c.enabled.is_(False)).distinct()
            return [str(c) for c in conn.execute(query).scalars()]

    def reenable(
        self, connection_id: str, client: AshbyCaller, *, probe: Callable[[str, str], bool] | None = None
    ) -> list[str]:
        """Turn disabled settings back on once our endpoint answers a signed ping; returns their types."""
        disabled = [s for s in self.settings(connection_id) if not s.enabled]
        if not disabled:
            return []
        secret = self.secret_for(connection_id)
        if secret is None:
            return []
        check = probe or self._probe
        if not check(disabled[0].url, secret):
            return []
        turned_on = []
        for setting in disabled:
            result = client.call("webhook.update", {"webhookId": setting.ashby_webhook_id, "enabled": True})
            self._save(connection_id, setting.webhook_type, result, setting.url)
            if isinstance(result, dict) and result.get("enabled"):
                turned_on.append(setting.webhook_type)
        return turned_on

    def unregister(
        self, connection_id: str, client: AshbyCaller, types: Iterable[str] | None = None
    ) -> list[str]:
        """Delete our settings (all, or the given types) in Ashby and here; returns removed types."""
        chosen = set(types) if types else None
        removed = []
        for setting in self.settings(connection_id):
            if chosen is not None and setting.webhook_type not in chosen:
                continue
            _delete_in_ashby(client, setting.ashby_webhook_id)
            t = webhook_setting
            with self.begin() as conn:
                conn.execute(
                    sa.delete(t).where(
                        t.c.connection_id == connection_id, t.c.webhook_type == setting.webhook_type
                    )
                )
            removed.append(setting.webhook_type)
        return removed

    def remove_all(self, connection_id: str, client: AshbyCaller, key_token: str) -> RemovalOutcome:
        """Delete every setting made for the connection in Ashby (its connection is being deleted).

        Settings Ashby could not be reached for are queued with the connection's encrypted key
        (``key_token``) and retried by ``retry_removals``; the outcome lists them.
        """
        removed: list[str] = []
        failed: list[SettingState] = []
        error: str | None = None
        for setting in self.settings(connection_id):
            if error is not None:  # Ashby failed once (after the client's retries): queue the rest
                failed.append(setting)
                continue
            try:
                _delete_in_ashby(client, setting.ashby_webhook_id)
                removed.append(setting.webhook_type)
            except Exception as exc:
                failed.append(setting)
                error = f"{type(exc).__name__}: {exc}"
        if failed:
            now = self.clock()
            rows = [
                {
                    "ashby_webhook_id": s.ashby_webhook_id,
                    "webhook_type": s.webhook_type,
                    "api_key_encrypted": key_token,
                    "created_at": now,
                    "attempts": 1,
                    "next_attempt_at": now + (REMOVAL_BACKOFF.delay(1) or 0.0),
                    "last_error": (error or "")[:2000],
                }
                for s in failed
            ]
            with self.begin() as conn:
                conn.execute(sa.insert(webhook_removal), rows)
        return RemovalOutcome(removed, [s.webhook_type for s in failed], error)

    def pending_removals(self) -> list[dict[str, Any]]:
        t = webhook_removal
        with self.engine.connect() as conn:
            query = sa.select(t.c.seq, t.c.webhook_type, t.c.attempts, t.c.last_error).order_by(t.c.seq)
            rows = conn.execute(query)
            return [dict(r._mapping) for r in rows]

    def retry_removals(self, client_for_key: KeyClientFactory) -> int:
        """Try the due removals again; returns how many Ashby confirmed. Never gives up."""
        t = webhook_removal
        now = self.clock()
        with self.engine.connect() as conn:
            due = list(conn.execute(sa.select(t).where(t.c.next_attempt_at <= now).order_by(t.c.seq)))
        done = 0
        for row in due:
            try:
                client = client_for_key(self.box.decrypt(row.api_key_encrypted))
                _delete_in_ashby(client, row.ashby_webhook_id)
            except Exception as exc:
                attempts = row.attempts + 1
                values = {
                    "attempts": attempts,
                    "next_attempt_at": self.clock() + (REMOVAL_BACKOFF.delay(attempts) or 3600.0),
                    "last_error": f"{type(exc).__name__}: {exc}"[:2000],
                }
                with self.begin() as conn:
                    conn.execute(sa.update(t).where(t.c.seq == row.seq).values(**values))
                continue
            with self.begin() as conn:
                conn.execute(sa.delete(t).where(t.c.seq == row.seq))
            done += 1
        return done

    def _probe(self, url: str, secret: str) -> bool:
        return probe_endpoint(url, secret, sender=self.sender)

    def _save(self, connection_id: str, webhook_type: str, result: Any, url: str) -> None:
        if not isinstance(result, dict) or not result.get("id"):
            raise AshbyError(f"Ashby answered without a webhook id for {webhook_type}")
        t = webhook_setting
        values = {
            "ashby_webhook_id": str(result["id"]),
            "url": str(result.get("requestUrl") or url),
            "enabled": bool(result.get("enabled", True)),
            "updated_at": self.clock(),
        }
        with self.begin() as conn:
            row = {"connection_id": connection_id, "webhook_type": webhook_type, **values}
            upsert(conn, t, [row], update=list(values))
            # Webhooks on or off decide whether the fast lane polls this connection.
            self.wakeups.notify(conn, SCHEDULES)
        self.wakeups.ring(SCHEDULES)


def _delete_in_ashby(client: AshbyCaller, webhook_id: str) -> None:
    """``webhook.delete``; a setting already gone in Ashby counts as deleted."""
    try:
        client.call("webhook.delete", {"webhookId": webhook_id})
    except Exception as exc:
        if "not_found" not in str(getattr(exc, "code", "")) and "not found" not in str(exc).lower():
            raise


def probe_endpoint(url: str, secret: str, *, sender: GuardedSender | None = None) -> bool:
    """POST a signed ping to our own public endpoint: does it answer 2xx from where Ashby sees it?

    Sent through the outbound guard: a URL that resolves inside is refused, not pinged.
    """
    body = orjson.dumps({"action": "ping", "data": {"webhookActionType": "ping"}})
    headers = {SIGNATURE_HEADER: sign_ashby_body(secret, body), "content-type": "application/json"}
    try:
        sender = sender or GuardedSender(OutboundPolicy(), timeout=5.0)
        response = sender.post(url, content=body, headers=headers)
    except (httpx.HTTPError, OutboundURLError):
        return False
    return 200 <= response.status_code < 300
