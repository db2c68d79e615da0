"""Applies inbox events to the store, once each, newest record winning; reports every real change.

Processing is at-least-once (a crash between applying and marking done re-applies), so every step
is idempotent: an upsert only lands when strictly newer, a delete of a deleted record is a no-op,
and the outbound event ids are stable, so a re-applied change never produces a second event. Each
change is queued for subscribers before the store is written, so no crash can lose its event.

One batch at a time: ``process_pending`` holds the processor's batch lock from reading the due rows
to marking them, so a ``drain()`` beside the running loop waits for the loop's batch instead of
interleaving with it, and every batch applies against its own overlay, passed down explicitly (the
processor keeps no per-batch state on ``self`` that another thread could swap).

Webhooks whose payload cannot bring the copy up to date (``actions.FOLLOW_UPS``) are handed to
``on_follow_up(connection_id, streams)`` once their batch is stored: the core starts one
incremental run of those lists (trigger ``webhook``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import orjson

from ashby_connector.store.wakeups import INBOX, IdleBackoff, wait_until
from ashby_connector.webhooks.actions import DELETES, SPECIAL, UPSERTS, Carried, follow_up, is_partial
from ashby_connector.webhooks.backoff import INBOX_BACKOFF, Backoff
from ashby_connector.webhooks.envelope import InboundEvent
from ashby_connector.webhooks.inbox import Inbox, InboxRow
from ashby_connector.webhooks.overlay import BatchOverlay
from ashby_connector.webhooks.protocols import (
    AshbyCaller,
    Change,
    ChangeCallbackFor,
    ClientFactory,
    RecordStore,
    RecordVersion,
)
from ashby_connector.webhooks.timestamps import is_newer

log = logging.getLogger(__name__)


def _no_client(connection_id: str) -> AshbyCaller | None:
    return None


FollowUp = Callable[[str, tuple[str, ...]], None]  # connection id, lists to re-read


class InboxProcessor:
    def __init__(
        self,
        inbox: Inbox,
        store: RecordStore,
        *,
        client_for: ClientFactory = _no_client,
        on_change_for: ChangeCallbackFor | None = None,
        on_follow_up: FollowUp | None = None,
        backoff: Backoff = INBOX_BACKOFF,
        shared_transaction: Callable[[], AbstractContextManager[object]] = nullcontext,
    ) -> None:
        """``shared_transaction``: a transaction the store and inbox writes of a batch join
        (``Store.shared_transaction``); by default each writes on its own."""
        self.shared_transaction = shared_transaction
        self.inbox = inbox
        self.store = store
        self.client_for = client_for
        self.on_change_for = on_change_for
        self.on_follow_up = on_follow_up
        self.backoff = backoff
        self._batch_lock = threading.Lock()

    # -- the loop -------------------------------------------------------------------------------
    def process_pending(self, limit: int = 200) -> int:
        """Process due events in arrival order; returns how many were handled (done or retried).

        The batch is applied against its own overlay and written to the store at the end (events
        for subscribers are queued first, as ever); only then are its rows marked done. One batch at
        a time per processor: a second caller (``drain()`` beside the loop) waits for the first.
        """
        with self._batch_lock:
            rows = self.inbox.pending(limit)
            if not rows:
                return 0
            follow_ups = self._apply_batch(rows)
        if self.on_follow_up is not None:
            for connection_id, streams in follow_ups.items():
                try:
                    self.on_follow_up(connection_id, tuple(sorted(streams)))
                except Exception:  # the events are applied; the next scheduled run re-reads anyway
                    log.exception("starting the follow-up run of %s failed", connection_id)
        return len(rows)

    def _apply_batch(self, rows: list[InboxRow]) -> dict[str, set[str]]:
        """Apply ``rows`` through one overlay, write it, mark the rows; the follow-up lists."""
        overlay = BatchOverlay(self.store)
        events = [(row, _parse(row)) for row in rows]
        overlay.prefetch(_keys_of(events))
        done: list[tuple[int, str]] = []
        follow_ups: dict[str, set[str]] = {}
        try:
            for row, event in events:
                result = self._process_row(overlay, row, event, follow_ups)
                if result is not None:
                    done.append((row.seq, result))
            # The batch's records and its done marks in one commit (one hold of the writer lock
            # the receiver also needs; a crash before it re-applies the batch, harmlessly).
            with self.shared_transaction():
                overlay.flush()
                self.inbox.mark_done_many(done)
        except Exception as exc:  # the store write failed: every row of the batch is retried
            log.warning("writing a webhook batch failed: %s", exc)
            applied = {seq for seq, _ in done}
            for row in rows:
                if row.seq in applied:
                    self.inbox.mark_failed(
                        row, f"{type(exc).__name__}: {exc}", retry_in=self.backoff.delay(1)
                    )
            return {}
        return follow_ups

    def run(self, stop: threading.Event, *, idle: IdleBackoff | None = None) -> None:
        """Process until ``stop`` is set. When the inbox is empty it sleeps until an event is
        accepted (this process, or another on PostgreSQL), a retry is due, or the idle backoff
        polls."""
        bell, idle = self.inbox.wakeups.bell(INBOX), idle or IdleBackoff()
        while not stop.is_set():
            try:
                handled = self.process_pending()
            except Exception:  # the loop must survive a database hiccup
                log.exception("inbox processing pass failed")
                handled = 0
            if handled:
                idle.busy()
                continue
            try:
                due_in = self.inbox.next_due_in()
            except Exception:
                log.exception("reading the next inbox retry failed")
                due_in = None
            wait_until(bell, stop, due_in, idle)

    def drain(self, timeout: float = 30.0) -> None:
        """Process until nothing is due (tests, ``webhooks process --once``)."""
        deadline = time.monotonic() + timeout
        while self.process_pending() and time.monotonic() < deadline:
            pass

    def _process_row(
        self,
        store: RecordStore,
        row: InboxRow,
        event: InboundEvent | Exception,
        follow_ups: dict[str, set[str]],
    ) -> str | None:
        """Apply one row; its result, or None when it failed (then it is scheduled for a retry).
        The lists it leaves to a follow-up run are added to ``follow_ups``."""
        try:
            if isinstance(event, Exception):
                raise event
            result = self.apply(row.connection_id, event, store=store)
            streams = follow_up(event.action, event.data)
            if streams:
                follow_ups.setdefault(row.connection_id, set()).update(streams)
        except Exception as exc:
            log.warning("webhook %s/%s failed: %s", row.action, row.webhook_action_id, exc)
            retry_in = self.backoff.delay(row.attempts + 1)
            self.inbox.mark_failed(row, f"{type(exc).__name__}: {exc}", retry_in=retry_in)
            return None
        return result

    # -- applying one event ---------------------------------------------------------------------
    def apply(self, connection_id: str, event: InboundEvent, *, store: RecordStore | None = None) -> str:
        """Apply one event to ``store`` (a batch's overlay; the durable store when not given);
        returns ``applied``, ``unchanged`` or ``ignored``."""
        target = store if store is not None else self.store
        data = event.data
        if event.action in UPSERTS:
            changed = [self._upsert(target, connection_id, c, data.get(c.key)) for c in UPSERTS[event.action]]
            return "applied" if any(changed) else "unchanged"
        if event.action in DELETES:
            key, kind = DELETES[event.action]
            deleted = self._delete(target, connection_id, kind, _record_id(data.get(key)))
            return "applied" if deleted else "unchanged"
        if event.action == "candidateMerge":
            return self._merge(target, connection_id, data)
        if event.action == "interviewPlanTransition":
            return self._refetch_job(target, connection_id, data)
        assert event.action not in SPECIAL
        return "ignored"

    def _upsert(self, store: RecordStore, connection_id: str, carried: Carried, record: Any) -> bool:
        record_id = _record_id(record)
        if record_id is None:
            return False
        assert isinstance(record, dict)
        stored = store.get_record(connection_id, carried.kind, record_id)
        if is_partial(carried, record):
            record = self._complete(connection_id, carried, record_id, record, stored.raw if stored else None)
        return self._put_if_newer(store, connection_id, carried.kind, record, stored=stored)

    def _complete(
        self,
        connection_id: str,
        carried: Carried,
        record_id: str,
        record: dict[str, Any],
        stored: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """The whole record for a partial payload: fetched from Ashby, else merged over the stored one."""
        client = self.client_for(connection_id) if carried.info_op else None
        if client is not None and carried.info_op:
            full = client.call(carried.info_op, {carried.id_param: record_id})
            if isinstance(full, dict) and full.get("id"):
                return full
        return {**stored, **record} if stored else record

    def _put_if_newer(
        self,
        store: RecordStore,
        connection_id: str,
        kind: str,
        record: dict[str, Any],
        *,
        stored: RecordVersion | None,
    ) -> bool:
        if stored is not None and not is_newer(record, stored.raw):
            return False
        change: Change = "created" if stored is None or stored.deleted else "updated"
        # Queue the event before writing the store: a crash in between re-applies the change and
        # re-queues the same event id (ignored), where the other order would lose the event.
        self._emit(connection_id, kind, record, change)
        store.put_record(connection_id, kind, record)
        return True

    def _delete(self, store: RecordStore, connection_id: str, kind: str, record_id: str | None) -> bool:
        if record_id is None:
            return False
        stored = store.get_record(connection_id, kind, record_id)
        if stored is not None and stored.deleted:
            return False
        self._emit(connection_id, kind, stored.raw if stored else {"id": record_id}, "deleted")
        store.delete_record(connection_id, kind, record_id)
        return True

    def _merge(self, store: RecordStore, connection_id: str, data: dict[str, Any]) -> str:
        """The merged-away candidate is deleted; its applications now belong to the survivor."""
        gone, survivor = _record_id(data.get("deletedCandidate")), _record_id(data.get("mergedCandidate"))
        if gone is None or survivor is None:
            return "ignored"
        client = self.client_for(connection_id)
        changed = False
        if client is not None:
            full = client.call("candidate.info", {"id": survivor})
            if isinstance(full, dict) and full.get("id"):
                stored = store.get_record(connection_id, "candidate", survivor)
                changed |= self._put_if_newer(store, connection_id, "candidate", full, stored=stored)
        for app in store.find_records(connection_id, "application", "candidate.id", gone):
            changed |= self._repoint_application(store, connection_id, app, gone, survivor, client)
        changed |= self._delete(store, connection_id, "candidate", gone)
        return "applied" if changed else "unchanged"

    def _repoint_application(
        self,
        store: RecordStore,
        connection_id: str,
        app: dict[str, Any],
        gone: str,
        survivor: str,
        client: AshbyCaller | None,
    ) -> bool:
        fresh: dict[str, Any] | None = None
        if client is not None:
            fetched = client.call("application.info", {"applicationId": app["id"]})
            fresh = fetched if isinstance(fetched, dict) and fetched.get("id") else None
        if fresh is None or _record_id(fresh.get("candidate")) != survivor:
            # Ashby not reachable (or not yet consistent): re-point the stored copy ourselves.
            fresh = dict(fresh or app)
            fresh["candidate"] = {**(fresh.get("candidate") or {}), "id": survivor}
            if "candidateId" in fresh:
                fresh["candidateId"] = survivor
        if fresh == app:
            return False
        self._emit(connection_id, "application", fresh, "updated")
        store.put_record(connection_id, "application", fresh)
        return True

    def _refetch_job(self, store: RecordStore, connection_id: str, data: dict[str, Any]) -> str:
        job_id = data.get("jobId")
        client = self.client_for(connection_id)
        if not isinstance(job_id, str) or client is None:
            return "ignored"
        full = client.call("job.info", {"id": job_id})
        if not isinstance(full, dict) or not full.get("id"):
            return "ignored"
        stored = store.get_record(connection_id, "job", job_id)
        refreshed = self._put_if_newer(store, connection_id, "job", full, stored=stored)
        return "applied" if refreshed else "unchanged"

    def _emit(self, connection_id: str, kind: str, record: dict[str, Any], change: Change) -> None:
        if self.on_change_for is not None:
            self.on_change_for(connection_id)(kind, record, change)


def _parse(row: InboxRow) -> InboundEvent | Exception:
    """The row's event, or the error that makes it fail (handled like any failure to apply)."""
    try:
        doc = orjson.loads(row.body)
        return InboundEvent(row.webhook_action_id, row.action, doc.get("data") or {})
    except Exception as exc:
        return exc


def _keys_of(events: list[tuple[InboxRow, InboundEvent | Exception]]) -> dict[tuple[str, str], set[str]]:
    """The records a batch's upserts and deletes compare against, per (connection, kind), so the
    overlay reads them in one query per kind instead of one per event."""
    keys: dict[tuple[str, str], set[str]] = {}
    for row, event in events:
        if isinstance(event, Exception):
            continue
        wanted: list[tuple[str, str | None]] = [
            (c.kind, _record_id(event.data.get(c.key))) for c in UPSERTS.get(event.action, ())
        ]
        if event.action in DELETES:
            key, kind = DELETES[event.action]
            wanted.append((kind, _record_id(event.data.get(key))))
        for kind, record_id in wanted:
            if record_id is not None:
                keys.setdefault((row.connection_id, kind), set()).add(record_id)
    return keys


def _record_id(value: Any) -> str | None:
    if isinstance(value, dict):
        rid = value.get("id")
        return rid if isinstance(rid, str) and rid else None
    return None


ProcessorFactory = Callable[[], InboxProcessor]
