"""Doorbells for background loops: work queued wakes the loop that does it, instead of the loop
polling the database while nothing happens.

A loop takes a ``Bell`` for a channel (``INBOX``, ``OUTBOX``...) and waits on it with the time
until its next known due work (a retry) as the timeout. Whoever queues work ``notify``s the channel in
its transaction (on PostgreSQL a ``NOTIFY``, sent with the commit, which one listening connection
per process turns into a local ring) and ``ring``s it after the commit: every bell of that channel
in this process wakes at once. A missed ring (a listener reconnecting,
two processes on one SQLite file) costs latency, never work: loops still poll, backing off to
``IdleBackoff.longest`` seconds while idle.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
from typing import Any

import sqlalchemy as sa

log = logging.getLogger(__name__)

INBOX = "ashby_inbox"  # an Ashby webhook was accepted: the inbox processor
OUTBOX = "ashby_outbox"  # an event was queued for subscribers: the deliverer
REPORTS = "ashby_reports"  # an assessment report was queued: the report loop
SCHEDULES = "ashby_schedules"  # a schedule or a connection's webhooks changed: scheduler, fast lane
CHANNELS = (INBOX, OUTBOX, REPORTS, SCHEDULES)
RECONNECT_SECONDS = 2.0


class IdleBackoff:
    """The polling fallback: the wait doubles from ``shortest`` to ``longest`` while passes find
    nothing, and starts again from ``shortest`` once one does."""

    def __init__(self, shortest: float = 0.25, longest: float = 5.0) -> None:
        self.shortest = shortest
        self.longest = longest
        self._next = shortest

    def idle(self) -> float:
        """The wait after a pass that found nothing."""
        wait, self._next = self._next, min(self.longest, self._next * 2)
        return wait

    def busy(self) -> None:
        self._next = self.shortest


class Bell:
    """One waiter's view of a channel: ``wait`` returns True when rung (then resets)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._event = threading.Event()

    def ring(self) -> None:
        self._event.set()

    def wait(self, timeout: float | None) -> bool:
        rung = self._event.wait(timeout)
        self._event.clear()
        return rung

    def rung(self) -> bool:
        """Whether it was rung since the last wait (without resetting it)."""
        return self._event.is_set()

    def clear(self) -> None:
        self._event.clear()


class Wakeups:
    """The process's doorbells over one database (``Store.wakeups``)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.notifies = engine.dialect.name == "postgresql"
        self._bells: dict[str, list[Bell]] = {}
        self._lock = threading.Lock()
        self._listener: threading.Thread | None = None
        self._stop = threading.Event()
        self._pipe: tuple[int, int] | None = None

    def bell(self, channel: str) -> Bell:
        """A new bell on ``channel`` (on PostgreSQL, this process starts listening)."""
        bell = Bell(channel)
        with self._lock:
            self._bells.setdefault(channel, []).append(bell)
            if self.notifies and self._listener is None:
                self._stop.clear()
                self._pipe = os.pipe()
                self._listener = threading.Thread(target=self._listen, name="ashby-listen", daemon=True)
                self._listener.start()
        return bell

    def notify(self, conn: sa.Connection, channel: str) -> None:
        """Inside the transaction that queues work: on PostgreSQL, every process's loops of
        ``channel`` wake when it commits (never before the work is visible). Nothing on SQLite."""
        if self.notifies:
            conn.execute(sa.select(sa.func.pg_notify(channel, "")))

    def ring(self, channel: str) -> None:
        """Wake ``channel``'s loops in this process (after the work is committed)."""
        with self._lock:
            bells = list(self._bells.get(channel, ()))
        for bell in bells:
            bell.ring()

    def close(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            pipe, self._pipe = self._pipe, None
        self._stop.set()
        if pipe is not None:
            os.write(pipe[1], b"x")
        if listener is not None:
            listener.join(5.0)
        if pipe is not None:
            os.close(pipe[0])
            os.close(pipe[1])

    # -- PostgreSQL: one LISTEN connection per process ------------------------------------------
    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen_once()
            except Exception as exc:  # the database restarted or the network broke: reconnect
                log.warning("listening for wake-ups failed (%s); polling meanwhile", type(exc).__name__)
            if self._stop.wait(RECONNECT_SECONDS):
                return

    def _listen_once(self) -> None:
        raw = self.engine.raw_connection()
        pg: Any = raw.driver_connection
        raw.detach()  # a connection of its own for the process's lifetime, not the pool's
        try:
            pg.autocommit = True
            for channel in CHANNELS:
                pg.execute(f"LISTEN {channel}")
            # Whatever was rung while nobody listened is looked at now.
            for channel in CHANNELS:
                self.ring(channel)
            pipe = self._pipe
            assert pipe is not None
            while not self._stop.is_set():
                readable, _, _ = select.select([pg.pgconn.socket, pipe[0]], [], [])
                if pipe[0] in readable:
                    return
                for note in pg.notifies(timeout=0):
                    self.ring(note.channel)
        finally:
            with contextlib.suppress(Exception):
                pg.close()


def wait_until(bell: Bell, stop: threading.Event, due_in: float | None, backoff: IdleBackoff) -> None:
    """After a pass that found nothing: sleep until rung, stopped, the next known due work
    (``due_in`` seconds), or the idle backoff's next poll, whichever comes first. Work already
    due that the pass left (held by another process, or waiting behind an earlier item) is
    looked at again after ``backoff.shortest``, not in a spin."""
    timeout = backoff.idle()
    if due_in is not None:
        timeout = min(timeout, max(backoff.shortest, due_in))
    if not stop.is_set():
        bell.wait(timeout)
