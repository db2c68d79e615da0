"""``SyncEngine``: every selected stream, concurrently, under one client's rate budget."""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from ashby_connector.errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    PermissionDeniedError,
)
from ashby_connector.store import Store
from ashby_connector.sync.permissions import check_access, key_scopes
from ashby_connector.sync.report import ProgressEvent, Status, StreamResult, SyncReport
from ashby_connector.sync.runner import OnChange, OnProgress, Pager, StreamRunner
from ashby_connector.sync.streams import Stream, select_streams

DEFAULT_CONCURRENCY = 6


class SyncAbortedError(Exception):
    """Nothing can be synced (refused key, unreachable Ashby, no readable stream); store untouched."""


def _refused(exc: APIError) -> str:
    return f"the API key was refused by Ashby ({exc.code or exc.http_status}): check the key"


class SyncEngine:
    """Sync an Ashby account into the store. ``run()`` never raises for one stream's failure."""

    def __init__(
        self,
        client: Any,
        store: Store,
        connection_id: str = "default",
        *,
        streams: list[str] | None = None,
        full: bool = False,
        reconcile: bool = False,
        on_progress: OnProgress | None = None,
        on_change: OnChange | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        check_permissions: bool = True,
    ) -> None:
        self.client = client
        self.store = store
        self.connection_id = connection_id
        self.stream_names = streams
        self.full = full
        self.reconcile = reconcile
        self.on_progress = on_progress
        self.on_change = on_change
        self.concurrency = max(1, concurrency)
        self.check_permissions = check_permissions

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

    def run(self) -> SyncReport:
        started = time.monotonic()
        report = SyncReport(self.connection_id)
        try:
            selected = select_streams(self.stream_names)
        except ValueError as exc:
            raise SyncAbortedError(str(exc)) from exc
        access = check_access(selected, self._scopes())
        report.setup_requests = 1 if self.check_permissions else 0
        warning = access.warning()
        if warning:
            self._warn(report, warning)
        if self.stream_names:
            # Streams the user named but the key cannot read: the sync did not do what was asked.
            for names in access.denied.values():
                for name in names:
                    report.streams.append(StreamResult(name, status="skipped", error="missing permission"))
        if not access.allowed:
            raise SyncAbortedError(warning or "no stream selected")
        results = self._run_streams(access.allowed, report)
        order = {s.name: i for i, s in enumerate(selected)}
        report.streams.extend(sorted(results.values(), key=lambda r: order.get(r.stream, 0)))
        report.duration = time.monotonic() - started
        return report

    def _run_streams(self, streams: list[Stream], report: SyncReport) -> dict[str, StreamResult]:
        names = {s.name for s in streams}
        children: dict[str, list[Stream]] = {}
        ready: list[Stream] = []
        for s in streams:
            if s.parent in names:
                children.setdefault(s.parent or "", []).append(s)
            else:
                ready.append(s)
        results: dict[str, StreamResult] = {}
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="ashby-sync") as pool:
            running: dict[Future[StreamResult], Stream] = {}

            def submit(stream: Stream) -> None:
                running[pool.submit(self._run_one, stream, report)] = stream

            for s in ready:
                submit(s)
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    stream = running.pop(fut)
                    result = fut.result()
                    results[stream.name] = result
                    for child in children.get(stream.name, []):
                        if result.status == "ok":
                            # Children run after their parent so they see its changes.
                            submit(child)
                        else:
                            # Without the parent's feature there are no children; otherwise they cannot run.
                            status: Status = "unavailable" if result.status == "unavailable" else "failed"
                            results[child.name] = StreamResult(
                                child.name, status=status, error=f"parent stream {stream.name} {status}"
                            )
        return results

    def _run_one(self, stream: Stream, report: SyncReport) -> StreamResult:
        pager: Pager = self.client
        runner = StreamRunner(
            pager,
            self.store,
            self.connection_id,
            stream,
            full=self.full,
            reconcile=self.reconcile,
            on_progress=self.on_progress,
            on_change=self.on_change,
        )
        try:
            result = runner.run()
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
        if not result.finished and result.error:
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
        return result
