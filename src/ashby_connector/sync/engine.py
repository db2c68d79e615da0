"""``SyncEngine``: every selected stream, concurrently, under one client's rate budget."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from ashby_connector.errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    PermissionDeniedError,
)
from ashby_connector.store import ChangeCallback, Store
from ashby_connector.sync.modes import Mode
from ashby_connector.sync.permissions import check_access, key_scopes
from ashby_connector.sync.plan import Plan, listing_counter, make_plan
from ashby_connector.sync.policies import ChildPolicy, child_lists, resolve
from ashby_connector.sync.report import ProgressEvent, Status, StreamResult, SyncReport
from ashby_connector.sync.stream_runner import OnProgress, Pager, StreamRunner, SyncInterruptedError
from ashby_connector.sync.streams import Stream, all_streams, select_streams
from ashby_connector.sync.young_gc import relaxed_gc

DEFAULT_CONCURRENCY = 6


class SyncAbortedError(Exception):
    """Nothing can be synced (refused key, unreachable Ashby, no readable stream); store untouched."""


# How a run that Ashby refused the key of begins its error (the console's health looks for it).
KEY_REFUSED = "the API key was refused by Ashby"


def _refused(exc: APIError) -> str:
    return f"{KEY_REFUSED} ({exc.code or exc.http_status}): check the key"


class SyncEngine:
    """Sync an Ashby account into the store. ``run()`` never raises for one stream's failure.

    Staged: every top-level list first (the copy is usable once they are stored: the report's
    ``usable_after``), then the child lists whose policy fetches now (``children`` overrides
    ``sync.policies.DEFAULT_CHILD_POLICIES`` per stream). Setting ``stop`` ends the run after the pages being
    stored (the report says ``interrupted``; the next run resumes).
    """

    def __init__(
        self,
        client: Any,
        store: Store,
        connection_id: str = "default",
        *,
        streams: list[str] | None = None,
        mode: Mode = Mode.INCREMENTAL,
        on_progress: OnProgress | None = None,
        on_change: ChangeCallback | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        check_permissions: bool = True,
        children: Mapping[str, str] | None = None,
        stop: threading.Event | None = None,
        permits: Callable[[str], bool] | None = None,
    ) -> None:
        """``permits(operation)``: whether the connection may call an Ashby list (its requested
        operations); a list it may not call is not copied, nor is a derived list of it."""
        self.client = client
        self.permits = permits
        self.store = store
        self.connection_id = connection_id
        self.stream_names = streams
        self.mode = Mode(mode)
        self.on_progress = on_progress
        self.on_change = on_change
        self.concurrency = max(1, concurrency)
        self.check_permissions = check_permissions
        # A child list named in ``streams`` is asked for: fetched eagerly unless ``children`` says.
        lists = {name: s.name for s in child_lists() for name in (s.name, s.operation)}
        named = {lists[n]: "eager" for n in streams or () if n in lists}
        self.policies: dict[str, ChildPolicy] = resolve(named | dict(children or {}))
        self.stop = stop if stop is not None else threading.Event()
        self._started = time.monotonic()

    def _warn(self, report: SyncReport, message: str) -> None:
        report.warnings.append(message)
        if self.on_progress is not None:
            self.on_progress(ProgressEvent("warning", stream="", message=message))

    def _scopes(self) -> set[str] | None:
        if not self.check_permissions:
            return None
        try:
            return key_scopes(self.client)
        except AuthenticationError as exc:
            raise SyncAbortedError(_refused(exc)) from exc
        except APIError as exc:
            raise SyncAbortedError(f"apiKey.info failed: {exc}") from exc
        except APIConnectionError as exc:
            raise SyncAbortedError(f"cannot reach Ashby: {exc}") from exc

    def _selected(self) -> list[Stream]:
        try:
            selected = with_embedding_parents(select_streams(self.stream_names))
        except ValueError as exc:
            raise SyncAbortedError(str(exc)) from exc
        if self.permits is None:
            return selected
        ok = {s.name for s in selected if self.permits(s.operation)}
        kept = [s for s in selected if s.name in ok and not (s.derived and s.parent not in ok)]
        if not kept:
            raise SyncAbortedError("the connection requested no operation that reads an Ashby list")
        return kept

    def plan(self) -> Plan:
        """What ``run()`` would cost, at the client's budget (see ``ashby_connector.sync.plan``)."""
        selected = self._selected()
        access = check_access(selected, self._scopes())
        plan = make_plan(
            self.store,
            self.connection_id,
            access.allowed,
            self.policies,
            mode=self.mode,
            counter=listing_counter(self.client),
            rate_per_minute=getattr(self.client, "rate_limit_per_minute", None),
            operation_limits=getattr(self.client, "operation_rate_limits", None),
        )
        plan.setup_requests = 1 if self.check_permissions else 0
        return plan

    def run(self) -> SyncReport:
        started = self._started = time.monotonic()
        report = SyncReport(self.connection_id, child_policies=dict(self.policies))
        selected = self._selected()
        access = check_access(selected, self._scopes())
        report.setup_requests = 1 if self.check_permissions else 0
        report.missing_permissions = sorted(access.denied)
        warning = access.warning()
        if warning:
            self._warn(report, warning)
        if self.stream_names:
            # Streams the user named but the key cannot read: the sync did not do what was asked.
            for permission, names in access.denied.items():
                for name in names:
                    error = f"missing permission {permission}"
                    report.streams.append(StreamResult(name, status="skipped", error=error))
        if not access.allowed:
            raise SyncAbortedError(warning or "no stream selected")
        with relaxed_gc():  # pages are freed by reference counting: see sync.young_gc
            results = self._run_streams(access.allowed, report)
        order = {s.name: i for i, s in enumerate(selected)}
        report.streams.extend(sorted(results.values(), key=lambda r: order.get(r.stream, 0)))
        report.duration = time.monotonic() - started
        return report

    def _run_streams(self, streams: list[Stream], report: SyncReport) -> dict[str, StreamResult]:
        names = {s.name for s in streams}
        results: dict[str, StreamResult] = {}
        top = [s for s in streams if s.parent is None]
        derived = {s.parent: s for s in streams if s.derived}
        fan_out = [s for s in streams if s.fans_out]
        self._stage(top, derived, report, results)
        if not self.stop.is_set():
            report.usable_after = time.monotonic() - self._started
            report.usable_requests = report.setup_requests + sum(r.requests for r in results.values())
            planned = sum(
                self._parent_count(s)
                for s in fan_out
                if self._parent_ok(s, names, results) and self.policies.get(s.name) in ("eager", "changed")
            )
            self._stage_event(report, fan_out, planned)
        children = []
        for child in fan_out:
            parent = results.get(child.parent or "")
            policy = self.policies.get(child.name, "eager")
            if child.parent in names and parent is not None and parent.status != "ok":
                # Without the parent's feature there are no children; otherwise they cannot run.
                status: Status = "unavailable" if parent.status == "unavailable" else "failed"
                if parent.status == "interrupted":
                    status = "interrupted"
                results[child.name] = StreamResult(
                    child.name, status=status, error=f"parent stream {parent.stream} {parent.status}"
                )
            elif policy in ("lazy", "off"):
                # Nothing fetched during syncs: the server fetches lazy children when read.
                results[child.name] = StreamResult(child.name, mode=policy)
            elif self.stop.is_set():
                results[child.name] = StreamResult(child.name, status="interrupted", error="interrupted")
            else:
                children.append(child)
        self._stage(children, {}, report, results)
        for s in streams:
            if s.derived and s.name not in results:
                parent = results.get(s.parent or "")
                results[s.name] = StreamResult(
                    s.name,
                    mode="derived",
                    status=parent.status if parent is not None else "ok",
                    error=None
                    if parent is None or parent.finished
                    else f"parent stream {parent.stream} {parent.status}",
                )
        report.interrupted = self.stop.is_set()
        return results

    def _parent_ok(self, child: Stream, names: set[str], results: dict[str, StreamResult]) -> bool:
        parent = results.get(child.parent or "")
        return child.parent not in names or (parent is not None and parent.finished)

    def _parent_count(self, child: Stream) -> int:
        """Parents the child stream will ask for in this run (the same selection as the runner)."""
        assert child.parent is not None
        state = self.store.get_stream_state(self.connection_id, child.name)
        since = None if self.mode.full else state.parent_watermark
        if since is None and self.policies.get(child.name) == "changed":
            return 0
        return self.store.count(
            self.connection_id, child.parent, changed_since=since, nonempty=child.parent_hint
        )

    def _stage_event(self, report: SyncReport, fan_out: list[Stream], planned: int) -> None:
        rate = getattr(self.client, "rate_limit_per_minute", None)
        eta = f", about {planned / rate:.1f} min at {rate:,.0f} requests/min" if rate else ""
        message = (
            f"copy usable after {report.usable_after:.1f}s ({report.usable_requests:,} requests): "
            f"top-level lists stored; child lists next: {planned:,} requests{eta}"
        )
        if self.on_progress is not None:
            self.on_progress(ProgressEvent("stage", stream="", message=message, total=planned))

    def _stage(
        self,
        streams: list[Stream],
        derived: dict[str | None, Stream],
        report: SyncReport,
        results: dict[str, StreamResult],
    ) -> None:
        """Run ``streams`` concurrently until all are done (or stopped)."""
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="ashby-sync") as pool:
            running: dict[Future[tuple[StreamResult, StreamResult | None]], Stream] = {}
            for s in streams:
                running[pool.submit(self._run_one, s, report, derived.get(s.name))] = s
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    running.pop(fut)
                    result, embedded = fut.result()
                    results[result.stream] = result
                    if embedded is not None:
                        results[embedded.stream] = embedded

    def _run_one(
        self, stream: Stream, report: SyncReport, derived: Stream | None = None
    ) -> tuple[StreamResult, StreamResult | None]:
        pager: Pager = self.client
        sent = getattr(self.client, "requests_sent", None)
        before = sent.get(stream.operation, 0) if sent is not None else 0
        runner = StreamRunner(
            pager,
            self.store,
            self.connection_id,
            stream,
            mode=self.mode,
            on_progress=self.on_progress,
            on_change=self.on_change,
            policy=self.policies.get(stream.name, "eager"),
            derived=derived,
            stop=self.stop,
        )
        if self.stop.is_set():
            return StreamResult(stream.name, status="interrupted", error="interrupted"), None
        try:
            result = runner.run()
        except SyncInterruptedError:
            result = runner.result
            result.status = "interrupted"
            result.error = "interrupted: rerun to resume"
        except PermissionDeniedError as exc:
            result = runner.result
            result.status = "skipped"
            result.error = f"missing permission {exc.permission or stream.permission}"
            self._warn(
                report, f"{stream.name}: the API key lacks {exc.permission or stream.permission}; skipped"
            )
        except APIError as exc:
            result = runner.result
            if (exc.code or "").endswith("_not_enabled") and not self.stream_names:
                result.status = "unavailable"
                result.error = f"not enabled for this Ashby account ({exc.code})"
                self._warn(report, f"{stream.name}: not enabled for this Ashby account ({exc.code}); skipped")
            else:
                result.status = "failed"
                result.error = f"{type(exc).__name__}: {exc}"
        except APIConnectionError as exc:
            result = runner.result
            result.status = "failed"
            result.error = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # one stream's bug or store error must not stop the others
            result = runner.result
            result.status = "failed"
            result.error = f"{type(exc).__name__}: {exc}"
        if sent is not None:
            # What the client really sent for this list, retries included.
            result.requests = sent.get(stream.operation, 0) - before
        embedded = runner.derived_result
        if embedded is not None:
            embedded.status = result.status if not result.finished else "ok"
            embedded.duration = result.duration
            if not result.finished:
                embedded.error = f"parent stream {stream.name} {result.status}"
        if not result.finished and result.error and result.status != "interrupted":
            # The store itself may be what failed; the report still says why.
            with contextlib.suppress(Exception):
                self.store.fail_stream(self.connection_id, stream.name, result.error)
        if self.on_progress is not None:
            self.on_progress(
                ProgressEvent(
                    "done",
                    stream=stream.name,
                    mode=result.mode,
                    fetched=result.fetched,
                    changed=result.changed,
                    pages=result.pages,
                    elapsed=result.duration,
                    status=result.status,
                    message=result.error,
                )
            )
        return result, embedded


def with_embedding_parents(selected: list[Stream]) -> list[Stream]:
    """A derived stream is stored from its parent's pages: selecting it brings the parent."""
    names = {s.name for s in selected}
    wanted = names | {s.parent for s in selected if s.derived and s.parent}
    if wanted == names:
        return selected
    return [s for s in all_streams() if s.name in wanted]
