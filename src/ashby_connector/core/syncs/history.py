"""Sync runs: their history (``sync_run``) and the lease that keeps one running per connection.

Every run, whoever starts it (a schedule, a person, a webhook), is a row: queued, running, then
succeeded or failed with its counts and whole error; a scheduled run that found the previous one
still going is recorded as skipped. The lease (``sync_lease``) is taken before a run starts and
renewed while it runs (its heartbeat): an atomic insert-or-take-if-expired on SQLite and PostgreSQL
alike, so no two processes on any machine sync one connection at once, and a crashed holder's lease
lapses after ``LEASE_SECONDS``. A holder that cannot renew (another took the lapsed lease, or the
database was away longer than the lease) is told (``Held.lost``) and stops its run.

``interrupt_orphans`` is what every process's scheduler tick (and start-up) calls: a run still
``running`` whose lease lapsed, or was never its own, is marked ``interrupted``; a run whose lease
is live is never touched, whoever holds it.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from ashby_connector.core.syncs.modes import Mode, Trigger
from ashby_connector.store import Store, cursors
from ashby_connector.store.sync_runs import LeaseRow, SyncLeaseRows, SyncRunRows, is_finished
from ashby_connector.times import iso

RunStatus = Literal["queued", "running", "succeeded", "failed", "skipped", "interrupted"]
# How long a run's lease lives without a heartbeat: a killed process's connection can sync again
# this long after its last heartbeat. Every process of a deployment must use the same value.
LEASE_SECONDS = float(os.environ.get("ASHBY_CONNECTOR_SYNC_LEASE_SECONDS", "60"))
HEARTBEATS_PER_LEASE = 6  # a renewal every 10 s of a 60 s lease: five may fail before it lapses
INTERRUPTED = "the process running this sync stopped before it finished; the next run resumes"
MAX_PAGE = 200
# Holders of fast-lane polls end with this: a poll lasts a second or so, so other runs wait for it
# (up to ``POLL_PATIENCE_SECONDS``) instead of being refused or skipped.
POLL_HOLDER_SUFFIX = "/poll"
POLL_PATIENCE_SECONDS = 30.0


@dataclass
class Held:
    """The outcome of ``SyncLease.hold``: true while held; ``lost`` is set once the lease can no
    longer be renewed (the run must stop: another process may take it)."""

    ok: bool
    lost: threading.Event

    def __bool__(self) -> bool:
        return self.ok


def new_run_id() -> str:
    return "sync_" + secrets.token_hex(12)


@dataclass(frozen=True)
class SyncRun:
    id: str
    connection_id: str
    trigger: str
    mode: str
    status: str
    streams: list[str] | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    requests: int
    fetched: int
    changed: int
    errors: int
    error: str | None
    report: dict[str, Any] | None
    holder: str | None  # the process that ran it (``holder_name``), as on its lease

    @property
    def full(self) -> bool:
        return self.mode != "incremental"

    def to_api(self, *, with_report: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "connectionId": self.connection_id,
            "status": self.status,
            "trigger": self.trigger,
            "mode": self.mode,
            "full": self.full,
            "streams": self.streams,
            "createdAt": iso(self.created_at),
            "startedAt": iso(self.started_at),
            "finishedAt": iso(self.finished_at),
            "requests": self.requests,
            "fetched": self.fetched,
            "changed": self.changed,
            "errors": self.errors,
            "error": self.error,
        }
        if with_report:
            out["report"] = camel_keys(self.report) if self.report is not None else None
        return out


@dataclass(frozen=True)
class RunPage:
    runs: list[SyncRun]
    next_cursor: str | None


def run_from_values(values: Mapping[str, Any]) -> SyncRun:
    """A run from its ``sync_run`` row's values."""
    return SyncRun(**values)


def _report_counts(report: dict[str, Any] | None) -> dict[str, int]:
    if not report:
        return {}
    streams = report.get("streams") or []
    return {
        "requests": int(report.get("requests") or 0),
        "fetched": int(report.get("fetched") or 0),
        "changed": int(report.get("changed") or 0),
        "errors": sum(1 for s in streams if s.get("status") == "failed"),
    }


class SyncHistory:
    """Records and reads sync runs."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.rows = SyncRunRows(store)

    def create(
        self,
        connection_id: str,
        *,
        trigger: Trigger,
        mode: Mode,
        streams: list[str] | None = None,
        status: RunStatus = "queued",
        run_id: str | None = None,
    ) -> str:
        run_id = run_id or new_run_id()
        self.rows.add(
            run_id=run_id,
            connection_id=connection_id,
            trigger=Trigger(trigger).value,
            mode=Mode(mode).value,
            status=status,
            streams=streams,
            created_at=datetime.now(UTC),
            # Nothing to continue from: every list is read whole, say so.
            mode_when_never_synced=Mode.FULL.value if Mode(mode) is Mode.INCREMENTAL else None,
        )
        return run_id

    def record(
        self,
        connection_id: str,
        *,
        trigger: Trigger,
        streams: list[str] | None,
        started_at: datetime,
        holder: str,
        report: dict[str, Any] | None,
        error: str | None,
    ) -> str:
        """Record an incremental run after it finished (a fast-lane poll worth keeping)."""
        run_id = self.create(
            connection_id, trigger=trigger, mode=Mode.INCREMENTAL, streams=streams, status="running"
        )
        self.rows.change(run_id, started_at=started_at, holder=holder[:200])
        self.finished(run_id, report, error)
        return run_id

    def started(self, run_id: str, holder: str) -> None:
        self.rows.change(run_id, status="running", started_at=datetime.now(UTC), holder=holder[:200])

    def finished(self, run_id: str, report: dict[str, Any] | None, error: str | None = None) -> None:
        ok = report is not None and bool(report.get("ok")) and error is None
        values: dict[str, Any] = {
            "status": "succeeded" if ok else "failed",
            "finished_at": datetime.now(UTC),
            "report": report,
            "error": error,
            **_report_counts(report),
        }
        if error is not None and not values.get("errors"):
            values["errors"] = 1
        self.rows.change(run_id, **values)

    def interrupted(self, run_id: str, reason: str) -> None:
        """A run whose process died: ``interrupted`` (its checkpoints let the next run resume)."""
        self.rows.change(run_id, status="interrupted", finished_at=datetime.now(UTC), error=reason)

    def skipped(self, run_id: str, reason: str) -> None:
        self.rows.change(run_id, status="skipped", finished_at=datetime.now(UTC), error=reason)

    def delete(self, run_id: str) -> None:
        self.rows.delete(run_id)

    def get(self, run_id: str, connection_ids: list[str] | None = None) -> SyncRun | None:
        values = self.rows.get(run_id, connection_ids)
        return run_from_values(values) if values else None

    def latest(self, connection_id: str, *, status: str | None = None) -> SyncRun | None:
        values = self.rows.latest(connection_id, status=status)
        return run_from_values(values) if values else None

    def page(
        self,
        connection_ids: list[str],
        *,
        limit: int = 50,
        cursor: str | None = None,
        status: str | None = None,
        trigger: str | None = None,
    ) -> RunPage:
        """Newest first; ``cursor`` is the previous page's ``next_cursor`` (raises ValueError if bad)."""
        limit = max(1, min(limit, MAX_PAGE))
        before = _decode_cursor(cursor) if cursor else None
        runs = [
            run_from_values(v)
            for v in self.rows.newest_first(
                connection_ids,
                limit=limit + 1,
                before=before,
                status=status,
                trigger=None if trigger is None else str(trigger),
            )
        ]
        more = len(runs) > limit
        runs = runs[:limit]
        return RunPage(runs, _encode_cursor(runs[-1]) if more and runs else None)


def _encode_cursor(run: SyncRun) -> str:
    return cursors.encode(run.created_at.isoformat(), run.id)


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    created, last_id = cursors.decode(cursor, parts=2)
    try:
        return datetime.fromisoformat(created), last_id
    except ValueError:
        raise cursors.BadCursorError() from None


def _local_and_dead(holder: str) -> bool:
    """``host:pid:tag`` (``holder_name``) of a process on this host that no longer exists."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


class LeaseLostError(Exception):
    """Another holder took the lease (ours had expired)."""


class SyncLease:
    """At most one holder per connection, across processes and machines."""

    def __init__(
        self, store: Store, *, seconds: float = LEASE_SECONDS, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.seconds = seconds
        self.clock = clock
        self.rows = SyncLeaseRows(store)
        self.runs = SyncRunRows(store)

    def acquire(self, connection_id: str, holder: str, run_id: str | None = None) -> bool:
        now = self.clock()
        return self.rows.take(connection_id, holder, run_id, now=now, expires_at=now + self.seconds)

    def renew(self, connection_id: str, holder: str) -> bool:
        return self.rows.renew(connection_id, holder, expires_at=self.clock() + self.seconds)

    def release(self, connection_id: str, holder: str) -> None:
        self.rows.release(connection_id, holder)

    def held(self, connection_id: str) -> bool:
        """Some run (a fast-lane poll included) holds the connection's lease."""
        return self._live(connection_id) is not None

    def busy(self, connection_id: str) -> bool:
        """A run other than a fast-lane poll holds the lease: a new run would be refused or skipped
        (a poll is waited for: see ``hold``)."""
        lease = self._live(connection_id)
        return lease is not None and not lease.holder.endswith(POLL_HOLDER_SUFFIX)

    def _live(self, connection_id: str) -> LeaseRow | None:
        lease = self.rows.current(connection_id)
        return None if lease is None or lease.expires_at < self.clock() else lease

    def _holder(self, connection_id: str) -> str | None:
        lease = self._live(connection_id)
        return None if lease is None else lease.holder

    def free_if_holder_died(self, connection_id: str) -> str | None:
        """Release the lease when its holder was a process on this machine that is gone (killed
        mid-run: nobody renews it, but it would block for up to ``seconds``). Returns the id of the
        run it held, None when the lease was free, held elsewhere or held by a live process."""
        lease = self._live(connection_id)
        if lease is None or not _local_and_dead(lease.holder):
            return None
        self.release(connection_id, lease.holder)
        return lease.run_id

    def holding_run(self, connection_id: str) -> str | None:
        """The id of the run holding the connection's lease (not a fast-lane poll), if any."""
        lease = self._live(connection_id)
        if lease is None or lease.holder.endswith(POLL_HOLDER_SUFFIX):
            return None
        return lease.run_id

    def running_connections(self) -> set[str]:
        return self.rows.live_connections(self.clock())

    def _acquire_after_polls(self, connection_id: str, holder: str, run_id: str | None) -> bool:
        """``acquire``, waiting while a fast-lane poll holds the lease (polls never wait)."""
        deadline = time.monotonic() + POLL_PATIENCE_SECONDS
        while not self.acquire(connection_id, holder, run_id):
            if holder.endswith(POLL_HOLDER_SUFFIX) or time.monotonic() >= deadline:
                return False
            current = self._live(connection_id)
            if current is not None and not self._letting_go(current):
                return False
            time.sleep(0.05)
        return True

    def letting_go(self, connection_id: str) -> bool:
        """The connection's lease is held by a poll or by a run already recorded finished: it is
        free in a moment."""
        lease = self._live(connection_id)
        return lease is not None and self._letting_go(lease)

    def _letting_go(self, lease: LeaseRow) -> bool:
        """A fast-lane poll, or a run the history already shows as finished: its holder releases
        the lease in a moment (a caller who saw the run succeed and asked for the next must not be
        told that the finished one is still going)."""
        if lease.holder.endswith(POLL_HOLDER_SUFFIX):
            return True
        if lease.run_id is None:
            return False
        run = self.runs.get(lease.run_id)
        return run is not None and is_finished(run["status"])

    @contextmanager
    def hold(self, connection_id: str, holder: str, run_id: str | None = None) -> Iterator[Held]:
        """Yield a true ``Held`` with the lease held (renewed in the background: the heartbeat),
        a false one when another run has it. A fast-lane poll holding it is waited for; a poll
        itself never waits."""
        lost = threading.Event()
        if not self._acquire_after_polls(connection_id, holder, run_id):
            yield Held(False, lost)
            return
        stop = threading.Event()
        every = self.seconds / HEARTBEATS_PER_LEASE

        def heartbeat() -> None:
            renewed = time.monotonic()
            while not stop.wait(every):
                try:
                    if not self.renew(connection_id, holder):
                        lost.set()  # taken over (it had lapsed) or removed: stop the run
                        return
                    renewed = time.monotonic()
                except Exception:
                    if time.monotonic() - renewed >= self.seconds:
                        lost.set()  # lapsed while the database was away: another may hold it
                        return

        thread = threading.Thread(target=heartbeat, name=f"lease-{connection_id[:16]}", daemon=True)
        thread.start()
        try:
            yield Held(True, lost)
        finally:
            stop.set()
            thread.join(5)
            self.release(connection_id, holder)

    def interrupt_orphans(self, *, queued_too: bool = False, keep: Iterable[str] = ()) -> int:
        """Mark ``running`` runs without a live lease of their own as ``interrupted`` (and, with
        ``queued_too``, ``queued`` runs older than a lease and the poll patience: on SQLite a queued
        run starts within moments in its process, so an older one lost its process). ``keep``:
        run ids this process is running. Returns how many were marked."""
        now = self.clock()
        queued_before = (
            datetime.fromtimestamp(now - self.seconds - POLL_PATIENCE_SECONDS, UTC) if queued_too else None
        )
        return self.runs.interrupt_orphans(
            now=now, queued_before=queued_before, keep=keep, finished_at=datetime.now(UTC), reason=INTERRUPTED
        )


def camel_keys(value: Any) -> Any:
    """``value`` with every dict key in camelCase (the sync report is stored as the engine wrote it,
    snake_case; the API speaks camelCase everywhere)."""
    if isinstance(value, dict):
        return {_camel(str(k)): camel_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel_keys(v) for v in value]
    return value


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)
