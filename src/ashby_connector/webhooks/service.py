"""Everything the webhooks part runs, wired together: receive, process, fan out, deliver.

``WebhookService.receive`` is the framework-free core of ``POST /webhooks/ashby/{connection_id}``
(the FastAPI router only passes raw bytes and headers in and the answer out), so it is tested and
benchmarked directly too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ashby_connector.store import Store
from ashby_connector.store.engine import Begin
from ashby_connector.store.secrets import SecretBox
from ashby_connector.store.wakeups import INBOX, OUTBOX, IdleBackoff, Wakeups, wait_until
from ashby_connector.webhooks.backoff import DELIVERY_BACKOFF, INBOX_BACKOFF, Backoff
from ashby_connector.webhooks.deliverer import Deliverer
from ashby_connector.webhooks.envelope import MalformedWebhookError, parse_envelope
from ashby_connector.webhooks.inbox import Inbox
from ashby_connector.webhooks.outbound_url import GuardedSender, OutboundPolicy
from ashby_connector.webhooks.outbox import Outbox, ReadsModel, TenantOf, any_model
from ashby_connector.webhooks.processor import FollowUp, InboxProcessor
from ashby_connector.webhooks.protocols import AshbyCaller, ClientFactory, KeyClientFactory, RecordStore
from ashby_connector.webhooks.registration import WebhookRegistry
from ashby_connector.webhooks.retention import prune
from ashby_connector.webhooks.signature import verify_ashby_signature
from ashby_connector.webhooks.store_records import StoreRecords
from ashby_connector.webhooks.subscriptions import Subscriptions
from ashby_connector.webhooks.unified_events import UnifiedMapper, registry_mapper

log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 3600.0
RETRY_REMOVALS_EVERY_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Receipt:
    """The answer to one inbound webhook: a status (``accepted``, ``duplicate``, ``pong``), or an
    error code, message and field that the server renders in its error envelope."""

    status_code: int
    status: str | None = None
    code: str | None = None
    message: str | None = None
    field: str | None = None


def _none(connection_id: str) -> Any:
    return None


def _no_key_client(api_key: str) -> AshbyCaller:
    raise RuntimeError("no Ashby client factory for keys was given to the webhook service")


@dataclass
class WebhookOptions:
    inbox_backoff: Backoff = INBOX_BACKOFF
    delivery_backoff: Backoff = DELIVERY_BACKOFF
    delivery_timeout: float = 10.0
    delivery_concurrency: int = 8
    # Inbox rows per processing pass, and how long the in-process processor pauses (as a share of the
    # time its last pass took) while events keep arriving.
    process_batch: int = 20
    yield_ratio: float = 3.0
    # Where subscriptions and pings may point (production default: public https only).
    outbound: OutboundPolicy = field(default_factory=OutboundPolicy)
    # Retention: processed inbox rows, and delivered/failed outbox rows and the delivery log.
    inbox_days: float = 7
    outbox_days: float = 30
    clock: Callable[[], float] = field(default=time.time)


def _stored_raw(records: RecordStore) -> Callable[[str, str, str], dict[str, Any] | None]:
    def record_of(connection_id: str, kind: str, record_id: str) -> dict[str, Any] | None:
        found = records.get_record(connection_id, kind, record_id)
        return found.raw if found is not None and not found.deleted else None

    return record_of


class WebhookService:
    def __init__(
        self,
        engine: sa.Engine,
        records: RecordStore,
        box: SecretBox,
        *,
        client_for: ClientFactory = _none,
        client_for_key: KeyClientFactory = _no_key_client,
        tenant_of: TenantOf = _none,
        reads_model: ReadsModel | None = None,
        mapper: UnifiedMapper | None = None,
        options: WebhookOptions | None = None,
        begin: Begin | None = None,
        on_follow_up: FollowUp | None = None,
        wakeups: Wakeups | None = None,
        shared_transaction: Callable[[], AbstractContextManager[object]] = nullcontext,
    ) -> None:
        """``on_follow_up(connection_id, streams)``: start a run re-reading the lists a webhook's
        payload could not bring up to date (``actions.FOLLOW_UPS``)."""
        opts = options or WebhookOptions()
        self.engine = engine
        self.wakeups = wakeups = wakeups or Wakeups(engine)
        self.sender = GuardedSender(opts.outbound, timeout=opts.delivery_timeout)
        self.registry = WebhookRegistry(
            engine, box, clock=opts.clock, begin=begin, sender=self.sender, wakeups=wakeups
        )
        self.inbox = Inbox(engine, clock=opts.clock, begin=begin, wakeups=wakeups)
        self.subscriptions = Subscriptions(engine, box, clock=opts.clock, begin=begin, policy=opts.outbound)
        self.outbox = Outbox(
            engine,
            self.subscriptions,
            mapper or registry_mapper(record_of=_stored_raw(records)),
            tenant_of=tenant_of,
            reads_model=reads_model or any_model,
            clock=opts.clock,
            begin=begin,
            wakeups=wakeups,
        )
        self.processor = InboxProcessor(
            self.inbox,
            records,
            client_for=client_for,
            on_change_for=self.outbox.for_connection,
            on_follow_up=on_follow_up,
            backoff=opts.inbox_backoff,
            shared_transaction=shared_transaction,
        )
        self.deliverer = Deliverer(
            engine,
            self.subscriptions,
            backoff=opts.delivery_backoff,
            clock=opts.clock,
            begin=begin,
            sender=self.sender,
            concurrency=opts.delivery_concurrency,
        )
        self.client_for = client_for
        self.client_for_key = client_for_key
        self.options = opts
        self._stop = threading.Event()
        # The loops sleep until work is queued (the inbox and outbox ring these), a retry is due,
        # or their idle backoff polls (another process on the same SQLite file rings no bell).
        self._inbox_bell = wakeups.bell(INBOX)
        self._outbox_bell = wakeups.bell(OUTBOX)
        self._threads: list[threading.Thread] = []
        self._start_lock = threading.Lock()

    @classmethod
    def for_store(cls, store: Store, box: SecretBox, **kwargs: Any) -> WebhookService:
        """The service over the real store (its engine holds the webhooks tables too)."""
        # Every write goes through the store's transaction: one writer lock shared with the store.
        return cls(
            store.engine,
            StoreRecords(store),
            box,
            begin=store.transaction,
            wakeups=store.wakeups,
            shared_transaction=store.shared_transaction,
            **kwargs,
        )

    # -- inbound --------------------------------------------------------------------------------
    def receive(self, connection_id: str, body: bytes, signature: str | None) -> Receipt:
        """Verify, then write to the inbox before answering. Never processes inline: fast 2xx.

        A connection without webhooks (unknown, or deleted) answers 404, so Ashby stops sending.
        """
        secret = self.registry.secret_for(connection_id)
        if secret is None:
            return _gone()
        if not verify_ashby_signature(secret, body, signature):
            message = "missing or wrong Ashby-Signature"
            return Receipt(401, None, "invalid_signature", message, "Ashby-Signature")
        try:
            event = parse_envelope(body)
        except MalformedWebhookError as exc:
            return Receipt(400, None, "malformed_body", str(exc), "body")
        if event.action == "ping":
            return Receipt(200, "pong")
        fresh = self.inbox.accept(connection_id, event, body)
        if fresh is None:  # deleted since the secret was cached
            self.registry.forget(connection_id)
            return _gone()
        return Receipt(200, "accepted" if fresh else "duplicate")

    # -- background loops -----------------------------------------------------------------------
    def ensure_started(self) -> None:
        """Start the loops once (the server calls this at startup and, lazily, on the first webhook)."""
        if not self._threads:
            with self._start_lock:
                if not self._threads:
                    self.start()

    def publish(self, connection_id: str, event_type: str, data: dict[str, Any]) -> None:
        """A lifecycle event (``assessment.started``) to the connection's subscribers, signed as the
        others."""
        self.ensure_started()
        self.outbox.publish(connection_id, event_type, data)

    def start(self, *, process: bool = True, deliver: bool = True) -> None:
        """Run the processor and deliverer on daemon threads (the server's embedded worker)."""
        self._stop.clear()
        if process:
            self._spawn("webhooks-processor", self._process_loop)
        if deliver:
            self._spawn("webhooks-deliverer", lambda: self.deliverer.run(self._stop, bell=self._outbox_bell))

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._inbox_bell.ring()
        self._outbox_bell.ring()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def close(self) -> None:
        self.stop()
        self.deliverer.close()

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _process_loop(self) -> None:
        next_prune = next_removals = 0.0
        bell, idle = self._inbox_bell, IdleBackoff()
        while not self._stop.is_set():
            if time.monotonic() >= next_prune:
                next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
                self._housekeeping()
            if time.monotonic() >= next_removals:
                next_removals = time.monotonic() + RETRY_REMOVALS_EVERY_SECONDS
                self._retry_removals()
            bell.clear()
            started = time.monotonic()
            try:
                handled = self.processor.process_pending(self.options.process_batch)
            except Exception:
                log.exception("inbox processing pass failed")
                handled = 0
            if not handled:
                # Woken at once by a new event; otherwise when the next retry is due (or the idle
                # backoff polls: events another process accepted on SQLite ring no bell here).
                due_in = min(self._due_in(), next_prune - time.monotonic(), next_removals - time.monotonic())
                wait_until(bell, self._stop, due_in, idle)
                continue
            idle.busy()
            if bell.rung() and self.options.yield_ratio > 0:
                # Events are arriving: leave the interpreter to the receiver for a while, so answering
                # Ashby stays fast (Python threads share one lock). Processing catches up when calm.
                self._stop.wait((time.monotonic() - started) * self.options.yield_ratio)

    def _due_in(self) -> float:
        try:
            due_in = self.inbox.next_due_in()
        except Exception:
            log.exception("reading the next inbox retry failed")
            return 0.0
        return float("inf") if due_in is None else due_in

    def _housekeeping(self) -> None:
        """Hourly: prune old rows; re-enable Ashby settings left disabled once our endpoint answers."""
        try:
            prune(
                self.engine,
                self.options.clock(),
                inbox_days=self.options.inbox_days,
                outbox_days=self.options.outbox_days,
                begin=self.inbox.begin,
            )
            for connection_id in self.registry.disabled_connections():
                client = self.client_for(connection_id)
                if client is not None:
                    turned_on = self.registry.reenable(connection_id, client)
                    if turned_on:
                        log.info("re-enabled Ashby webhooks %s for %s", turned_on, connection_id)
        except Exception:
            log.exception("webhook housekeeping failed")

    def _retry_removals(self) -> None:
        """Ashby settings of deleted connections that Ashby could not be reached to remove."""
        try:
            removed = self.registry.retry_removals(self.client_for_key)
            if removed:
                log.info("removed %d Ashby webhook settings of deleted connections", removed)
        except Exception:
            log.exception("retrying webhook removals failed")

    def drain(self, timeout: float = 30.0) -> None:
        """Process the inbox and deliver the outbox until both are idle (tests, one-shot CLI)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            processed = self.processor.process_pending()
            sent = self.deliverer.deliver_due()
            if not processed and not sent:
                return


def _gone() -> Receipt:
    message = "no webhooks are registered for this connection"
    return Receipt(404, None, "connection_not_found", message, "connection_id")
