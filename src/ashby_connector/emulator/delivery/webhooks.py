"""Outbound webhooks, sent the way Ashby sends them.

Settings are registered through ``webhook.create/update/delete/info``. Every event is wrapped in
``{"webhookActionId", "action", "data"}``; the same action id is kept across retries and across
the related webhooks one event fires, because that id is the receiver's only de-duplication key.
Deliveries run on a few background threads sharing one httpx client, so a slow receiver never
blocks an API call; retries follow Ashby's (2^n - 1) x 10 s schedule times ``time_scale``.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import httpx

from ashby_connector import catalog

JSON = dict[str, Any]

MAX_ATTEMPTS = 10
BASE_DELAY_SECONDS = 10.0
# Ashby drops a delivery at once on these: the receiver said the URL is wrong or gone.
NO_RETRY_STATUSES = frozenset({401, 403, 404, 405, 410})

# One event fires these too, under the same webhookActionId, as Ashby does ("related webhooks").
RELATED: dict[str, tuple[str, ...]] = {
    "candidateHire": ("applicationUpdate", "candidateStageChange"),
    "interviewScheduleCreate": ("interviewScheduleUpdate",),
    "jobPostingPublish": ("jobPostingUpdate",),
    "jobPostingUnpublish": ("jobPostingUpdate",),
    "interviewPlanTransition": ("jobUpdate",),
}

Outcome = Literal["pending", "delivered", "retrying", "failed", "dropped"]


def sign(secret: str, body: bytes) -> str:
    """The ``Ashby-Signature`` header value for ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def retry_delay(attempt: int, time_scale: float = 1.0) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based): 10, 30, 70, 150, ..."""
    return float(2**attempt - 1) * BASE_DELAY_SECONDS * time_scale


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class WebhookSetting:
    id: str
    webhook_type: str
    request_url: str
    secret_token: str | None
    enabled: bool = True

    def to_api(self, *, with_secret: bool) -> JSON:
        out: JSON = {
            "id": self.id,
            "enabled": self.enabled,
            "requestUrl": self.request_url,
            "webhookType": self.webhook_type,
        }
        if with_secret:
            out["secretToken"] = self.secret_token or ""
        return out


@dataclass
class Attempt:
    number: int
    at: str
    status_code: int | None
    error: str | None
    duration_ms: float

    def to_json(self) -> JSON:
        return {
            "number": self.number,
            "at": self.at,
            "statusCode": self.status_code,
            "error": self.error,
            "durationMs": round(self.duration_ms, 2),
        }


@dataclass
class Delivery:
    """One envelope on its way to one webhook setting."""

    id: str
    webhook_id: str
    webhook_action_id: str
    action: str
    url: str
    body: bytes
    secret: str | None
    outcome: Outcome = "pending"
    attempts: list[Attempt] = field(default_factory=list)
    next_attempt_at: float | None = None

    def to_json(self) -> JSON:
        return {
            "id": self.id,
            "webhookId": self.webhook_id,
            "webhookActionId": self.webhook_action_id,
            "action": self.action,
            "url": self.url,
            "outcome": self.outcome,
            "attempts": [a.to_json() for a in self.attempts],
            "payload": json.loads(self.body),
        }


class WebhookSender:
    """Webhook settings plus a background delivery queue.

    Thread-safe: API handlers call ``create``/``emit`` from any thread; daemon threads send.
    """

    def __init__(
        self,
        *,
        time_scale: float = 1.0,
        timeout_seconds: float = 10.0,
        max_attempts: int = MAX_ATTEMPTS,
        ping_timeout_seconds: float = 5.0,
        workers: int = 4,
    ) -> None:
        self.time_scale = time_scale
        self.timeout_seconds = timeout_seconds
        self.max_attempts = max_attempts
        self.ping_timeout_seconds = ping_timeout_seconds
        self._settings: dict[str, WebhookSetting] = {}
        self._deliveries: list[Delivery] = []
        self._queue: list[tuple[float, int, Delivery]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._in_flight = 0
        self._seen: dict[tuple[str, str], None] = {}  # (action id, type) already queued, oldest first
        self._closed = False
        # A few senders, so one slow or hanging receiver does not hold up every other delivery.
        self.workers = max(1, workers)
        self._threads: list[threading.Thread] = []
        self._client: httpx.Client | None = None

    # -- settings ---------------------------------------------------------------------------

    def create(self, webhook_type: str, request_url: str, secret_token: str | None) -> WebhookSetting:
        setting = WebhookSetting(str(uuid.uuid4()), webhook_type, request_url, secret_token or None)
        # Ashby keeps the setting even when the ping fails, but disabled.
        setting.enabled = self.ping(setting)
        with self._cond:
            self._settings[setting.id] = setting
        return setting

    def update(
        self,
        webhook_id: str,
        *,
        enabled: bool | None = None,
        request_url: str | None = None,
        secret_token: str | None = None,
    ) -> WebhookSetting | None:
        with self._cond:
            setting = self._settings.get(webhook_id)
        if setting is None:
            return None
        if request_url is not None:
            setting.request_url = request_url
        if secret_token is not None:
            setting.secret_token = secret_token or None
        if enabled is not None:
            setting.enabled = enabled
        # Editing pings again; a failing endpoint leaves the setting disabled whatever was asked.
        if not self.ping(setting):
            setting.enabled = False
        return setting

    def delete(self, webhook_id: str) -> bool:
        with self._cond:
            return self._settings.pop(webhook_id, None) is not None

    def get(self, webhook_id: str) -> WebhookSetting | None:
        with self._cond:
            return self._settings.get(webhook_id)

    def settings(self) -> list[WebhookSetting]:
        with self._cond:
            return list(self._settings.values())

    def ping(self, setting: WebhookSetting) -> bool:
        """Send ``ping`` once, synchronously; True when the endpoint answered 2xx..400."""
        action_id = str(uuid.uuid4())
        data = {"webhookActionType": "ping"}  # the spec's payload schema allows only "ping" here
        envelope = {"webhookActionId": action_id, "action": "ping", "data": data}
        body = _encode(envelope)
        delivery = Delivery(
            str(uuid.uuid4()), setting.id, action_id, "ping", setting.request_url, body, setting.secret_token
        )
        with self._cond:
            self._deliveries.append(delivery)
        status, error, elapsed = self._post(delivery, timeout=self.ping_timeout_seconds)
        delivery.attempts.append(Attempt(1, _now_iso(), status, error, elapsed))
        ok = error is None and status is not None and status <= 400
        delivery.outcome = "delivered" if ok else "failed"
        return ok

    # -- events -----------------------------------------------------------------------------

    def emit(
        self,
        action: str,
        data: JSON,
        *,
        related: dict[str, JSON] | None = None,
        action_id: str | None = None,
    ) -> str:
        """Queue ``action`` (and the webhooks it fires with it) to every enabled setting.

        ``related`` maps other webhook types to their ``data``; a type in ``RELATED`` left out gets
        the part of ``data`` its payload schema names (nothing is sent when that part is empty).
        The same ``action_id`` emitted twice for one type is sent once, so a handler may emit a
        related webhook itself. Returns the shared ``webhookActionId``.
        """
        action_id = action_id or str(uuid.uuid4())
        events: list[tuple[str, JSON]] = [(action, data)]
        extra = dict(related or {})
        for other in RELATED.get(action, ()):
            payload = extra.pop(other, None)
            if payload is None:
                payload = _project(other, data)
            if payload:
                events.append((other, payload))
        events.extend(extra.items())
        with self._cond:
            for kind, payload in events:
                if (action_id, kind) in self._seen:
                    continue
                self._seen[(action_id, kind)] = None
                while len(self._seen) > 10_000:
                    self._seen.pop(next(iter(self._seen)))
                envelope = {"webhookActionId": action_id, "action": kind, "data": payload}
                body = _encode(envelope)
                for setting in self._settings.values():
                    if setting.webhook_type != kind or not setting.enabled:
                        continue
                    delivery = Delivery(
                        str(uuid.uuid4()),
                        setting.id,
                        action_id,
                        kind,
                        setting.request_url,
                        body,
                        setting.secret_token,
                    )
                    self._deliveries.append(delivery)
                    self._schedule(delivery, time.monotonic())
            self._cond.notify_all()
        self._ensure_thread()
        return action_id

    def deliveries(self, *, action: str | None = None) -> list[JSON]:
        with self._cond:
            items = list(self._deliveries)
        return [d.to_json() for d in items if action is None or d.action == action]

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until nothing is queued or in flight (for tests); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    def close(self, *, wait: bool = True) -> None:
        """Stop sending; ``wait``: until the threads end (else they end after their delivery)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if not wait:
            return
        for thread in self._threads:
            thread.join(timeout=5)
        if self._client is not None:
            self._client.close()

    # -- delivery ---------------------------------------------------------------------------

    def _schedule(self, delivery: Delivery, due: float) -> None:
        delivery.next_attempt_at = due
        heapq.heappush(self._queue, (due, next(self._seq), delivery))

    def _ensure_thread(self) -> None:
        with self._cond:
            if self._threads or self._closed:
                return
            for n in range(self.workers):
                thread = threading.Thread(target=self._run, name=f"emulator-webhooks-{n}", daemon=True)
                self._threads.append(thread)
                thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (not self._queue or self._queue[0][0] > time.monotonic()):
                    wait = self._queue[0][0] - time.monotonic() if self._queue else None
                    self._cond.wait(wait)
                if self._closed:
                    return
                _, _, delivery = heapq.heappop(self._queue)
                self._in_flight += 1
            try:
                self._attempt(delivery)
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    def _attempt(self, delivery: Delivery) -> None:
        number = len(delivery.attempts) + 1
        status, error, elapsed = self._post(delivery, timeout=self.timeout_seconds)
        delivery.attempts.append(Attempt(number, _now_iso(), status, error, elapsed))
        if error is None and status is not None and 200 <= status < 300:
            delivery.outcome = "delivered"
        elif status in NO_RETRY_STATUSES:
            delivery.outcome = "dropped"
        elif number >= self.max_attempts:
            delivery.outcome = "failed"
        else:
            # 5xx, timeouts, refused connections and other non-2xx answers are tried again.
            delivery.outcome = "retrying"
            with self._cond:
                self._schedule(delivery, time.monotonic() + retry_delay(number, self.time_scale))
                self._cond.notify_all()

    def _post(self, delivery: Delivery, *, timeout: float) -> tuple[int | None, str | None, float]:
        if self._client is None:
            with self._cond:
                if self._client is None:
                    self._client = httpx.Client(follow_redirects=False, trust_env=False)
        headers = {"Content-Type": "application/json", "User-Agent": "ashby-connector-emulator"}
        if delivery.secret:
            headers["Ashby-Signature"] = sign(delivery.secret, delivery.body)
        started = time.perf_counter()
        try:
            response = self._client.post(
                delivery.url, content=delivery.body, headers=headers, timeout=timeout
            )
        except httpx.TimeoutException:
            return None, "timeout", (time.perf_counter() - started) * 1000
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}", (time.perf_counter() - started) * 1000
        return response.status_code, None, (time.perf_counter() - started) * 1000


def _project(webhook_type: str, data: JSON) -> JSON:
    """The keys of ``data`` that ``webhook_type``'s payload schema has under ``data``."""
    try:
        schema = catalog.webhook(webhook_type).payload_schema or {}
    except catalog.UnknownOperationError:
        return {}
    names = schema.get("properties", {}).get("data", {}).get("properties", {})
    return {k: v for k, v in data.items() if k in names}


def _encode(envelope: JSON) -> bytes:
    return json.dumps(envelope, separators=(",", ":"), default=str).encode("utf-8")
