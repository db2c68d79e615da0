"""Running one stream: pages in, each page stored with its checkpoint, token saved last."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, Protocol

from ashby_connector.errors import NotFoundError, SyncTokenExpiredError
from ashby_connector.store import ChangeCallback, Store, UpsertResult
from ashby_connector.sync.modes import Mode
from ashby_connector.sync.policies import ChildPolicy
from ashby_connector.sync.prefetch import read_ahead
from ashby_connector.sync.report import ProgressEvent, StreamResult
from ashby_connector.sync.streams import Stream
from ashby_connector.times import utcnow

OnProgress = Callable[[ProgressEvent], None]
PAGE_LIMIT = 100


class _Page(NamedTuple):
    results: list[dict[str, Any]]
    next_cursor: str | None
    sync_token: str | None
    is_last: bool


class Pager(Protocol):
    def pages(
        self,
        operation: str,
        body: dict[str, Any] | None = None,
        *,
        sync_token: str | None = None,
        cursor: str | None = None,
        limit: int | None = PAGE_LIMIT,
    ) -> Iterator[Any]: ...


class SyncInterruptedError(Exception):
    """Asked to stop (Ctrl-C): raised after the page being stored was stored with its checkpoint."""


class StreamRunner:
    """Syncs one stream into the store; every failure ends up in the returned result.

    ``derived``: a child stream embedded in this stream's records, stored from its pages
    (``derived_result`` counts it). ``policy``: for child streams, which parents to fetch.
    """

    def __init__(
        self,
        client: Pager,
        store: Store,
        connection_id: str,
        stream: Stream,
        *,
        mode: Mode = Mode.INCREMENTAL,
        on_progress: OnProgress | None = None,
        on_change: ChangeCallback | None = None,
        policy: ChildPolicy = "eager",
        derived: Stream | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.client = client
        self.store = store
        self.connection_id = connection_id
        self.stream = stream
        self.full = mode.full  # re-list everything, whatever syncToken is saved
        self.reconcile = mode.reconcile  # and mark what vanished as deleted
        self.on_progress = on_progress
        self.on_change = on_change
        self.policy = policy
        self.derived = derived
        self.stop = stop
        self.result = StreamResult(stream.name)
        self.derived_result = StreamResult(derived.name, mode="derived") if derived is not None else None
        self.total: int | None = None  # parents to fetch (child streams), for progress and ETA
        self._parents_done = 0
        self._started = time.monotonic()

    # -- reporting -------------------------------------------------------------------------------

    def _emit(self, kind: str, **extra: Any) -> None:
        if self.on_progress is None:
            return
        r = self.result
        self.on_progress(
            ProgressEvent(
                kind=kind,  # type: ignore[arg-type]
                stream=r.stream,
                mode=r.mode,
                fetched=r.fetched,
                changed=r.changed,
                pages=r.pages,
                elapsed=time.monotonic() - self._started,
                total=self.total,
                done=self._parents_done,
                **extra,
            )
        )

    def _note(self, message: str) -> None:
        self.result.notes.append(message)
        self._emit("warning", message=f"{self.stream.name}: {message}")

    def _record(self, count: int, stored: UpsertResult) -> None:
        r = self.result
        r.fetched += count
        r.pages += 1
        r.requests += 1
        r.changed += stored.inserted + stored.changed + stored.deleted
        r.deleted += stored.deleted
        if self.on_change is not None:
            for change, record in stored.changes:
                self.on_change(self.stream.kind, record, change)
        if stored.embedded is not None and self.derived_result is not None and self.derived is not None:
            d = self.derived_result
            d.fetched += stored.embedded.inserted + stored.embedded.changed + stored.embedded.unchanged
            d.changed += stored.embedded.inserted + stored.embedded.changed + stored.embedded.deleted
            d.deleted += stored.embedded.deleted
            if self.on_change is not None:
                for change, record in stored.embedded.changes:
                    self.on_change(self.derived.kind, record, change)
        self._emit("page")
        if self.stop is not None and self.stop.is_set():
            raise SyncInterruptedError(f"{self.stream.name}: interrupted after a stored page")

    def _pages(self, body: dict[str, Any], *, sync_token: str | None, cursor: str | None) -> Iterator[_Page]:
        limit = PAGE_LIMIT if self.stream.paginated else None
        body = dict(self.stream.base_body) | body
        pages = self.client.pages(
            self.stream.operation, body, sync_token=sync_token, cursor=cursor, limit=limit
        )
        if self.stream.paginated and self.stream.parent is None:
            pages = read_ahead(pages, name=f"prefetch-{self.stream.name}")
        for page in pages:
            # Some lists answer bare values (names): keep them as records all the same.
            results = self.stream.records(page.results)
            yield _Page(results, page.next_cursor, page.sync_token, bool(page.is_last))

    # -- top-level streams -----------------------------------------------------------------------

    def run(self) -> StreamResult:
        self._started = time.monotonic()
        self._parents_done = 0
        try:
            if self.stream.parent is None:
                self._run_top()
            else:
                self._run_children()
        finally:
            self.result.duration = time.monotonic() - self._started
        return self.result

    def _run_top(self) -> None:
        if not self.stream.partitions:
            self._run_part(self.stream.name, {})
            return
        for field, value in self.stream.partitions:
            self._run_part(f"{self.stream.name}:{value}", {field: value})

    def _run_part(self, key: str, body: dict[str, Any]) -> None:
        """One state row: the whole stream, or one partition of it."""
        s = self.stream
        cid = self.connection_id
        state = self.store.get_stream_state(cid, key)
        if self.full and state.unfinished and state.run_mode != "full":
            self.store.reset_stream(cid, key)
            state = self.store.get_stream_state(cid, key)
        if state.unfinished:
            mode = state.run_mode or "full"
            self.result.mode = f"resumed {mode}"
            token, cursor = state.run_sync_token, state.cursor
        else:
            incremental = s.strategy == "incremental" and state.sync_token is not None and not self.full
            mode = "incremental" if incremental else "full"
            token, cursor = (state.sync_token if incremental else None), None
            self.result.mode = mode
            self.store.begin_run(cid, key, mode, run_sync_token=token)
        self._emit("start")
        try:
            self._fetch_top(key, body, mode, token, cursor)
        except SyncTokenExpiredError as exc:
            if mode == "full" and cursor is None:
                raise  # nothing older to drop: a real failure
            # Token or cursor no longer valid: start again from nothing, in full.
            self._note(f"{exc.code or 'sync token expired'}: fell back to a full sync")
            self.store.reset_stream(cid, key)
            self.store.begin_run(cid, key, "full")
            self.result.mode = "full (fallback)"
            self._fetch_top(key, body, "full", None, None)

    def _fetch_top(
        self, key: str, body: dict[str, Any], mode: str, token: str | None, cursor: str | None
    ) -> None:
        s = self.stream
        # Partitions share one table: reconciling one would delete the others' records.
        reconcile = "all" if self.reconcile and mode == "full" and not s.partitions else None
        stored_any = False
        for page in self._pages(body, sync_token=token, cursor=cursor):
            last = bool(page.is_last)
            stored = self.store.save_page(
                self.connection_id,
                key,
                s.kind,
                page.results,
                None if last else page.next_cursor,
                finish=last,
                # Cursor-only and plain lists have no token; an incremental run keeps its own
                # when Ashby sends none back.
                sync_token=page.sync_token if page.sync_token is not None or mode == "full" else token,
                reconcile=reconcile if last else None,  # type: ignore[arg-type]
                embedded=self._embedded(),
            )
            stored_any = True
            self._record(len(page.results), stored)
        if not stored_any:  # an iterator that yielded nothing: still a finished run
            self.store.finish_stream(self.connection_id, key, token, kind=s.kind)

    def _embedded(self) -> tuple[str, str] | None:
        d = self.derived
        return (d.kind, d.embedded_field) if d is not None and d.embedded_field is not None else None

    # -- child streams ---------------------------------------------------------------------------

    def _run_children(self) -> None:
        s = self.stream
        cid = self.connection_id
        assert s.parent is not None and s.parent_field is not None
        state = self.store.get_stream_state(cid, s.name)
        resume_parent: str | None = None
        resume_cursor: str | None = None
        after: str | None = None
        if state.unfinished and not (self.full and state.run_mode != "full"):
            self.result.mode = f"resumed {state.run_mode}"
            started = state.run_started_at or utcnow()
            since = None if state.run_mode == "full" else state.parent_watermark
            point = json.loads(state.cursor) if state.cursor else {}
            resume_parent, resume_cursor = point.get("parent"), point.get("cursor")
            after = point.get("after")
        else:
            since = None if self.full else state.parent_watermark
            started = utcnow()
            if since is None and self.policy == "changed":
                # Only parents that change from now on: the first run fetches none.
                self.result.mode = "changed (from now)"
                self.store.begin_run(cid, s.name, "changed", started_at=started)
                self._emit("start")
                self.store.finish_stream(cid, s.name, None, parent_watermark=started)
                return
            mode = "full" if since is None else "incremental"
            self.result.mode = mode
            self.store.begin_run(cid, s.name, mode, started_at=started)
        self.total = self.store.count(
            cid, s.parent, changed_since=since, nonempty=s.parent_hint, after_id=after
        ) + (resume_parent is not None)
        self._emit("start")
        # Each changed parent's children are listed whole, so children that vanished are gone.
        reconcile = True
        if resume_parent is not None:
            self._fetch_parent(resume_parent, resume_cursor, reconcile)
            after = resume_parent
        parents = self.store.iter_ids(
            cid, s.parent, changed_since=since, after_id=after, nonempty=s.parent_hint
        )
        for parent_id in parents:
            self._fetch_parent(parent_id, None, reconcile)
        # Parents that change from now on are fetched next time.
        self.store.finish_stream(cid, s.name, None, parent_watermark=started)

    def _fetch_parent(self, parent_id: str, cursor: str | None, reconcile: bool) -> None:
        assert self.stream.parent_field is not None
        body = {self.stream.parent_field: parent_id}
        try:
            try:
                self._fetch_parent_pages(body, parent_id, cursor, reconcile)
            except SyncTokenExpiredError:
                if cursor is None:
                    raise
                # The saved cursor expired: fetch this parent's children again from the start.
                self._fetch_parent_pages(body, parent_id, None, reconcile)
        except NotFoundError:
            # The parent went away between listing and fetching (a merged candidate, say).
            self.result.requests += 1
        self._parents_done += 1

    def _fetch_parent_pages(
        self, body: dict[str, Any], parent_id: str, cursor: str | None, reconcile: bool
    ) -> None:
        for page in self._pages(body, sync_token=None, cursor=cursor):
            self._store_child_page(page, parent_id, reconcile)

    def _store_child_page(self, page: Any, parent_id: str, reconcile: bool) -> None:
        s = self.stream
        last = bool(page.is_last)
        point = {"after": parent_id} if last else {"parent": parent_id, "cursor": page.next_cursor}
        stored = self.store.save_page(
            self.connection_id,
            s.name,
            s.kind,
            page.results,
            json.dumps(point),
            parent_id=parent_id,
            reconcile="parent" if last and reconcile else None,
        )
        self._record(len(page.results), stored)
