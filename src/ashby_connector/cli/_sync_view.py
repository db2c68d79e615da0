"""Rich rendering of a sync: a progress bar per stream while it runs, a summary table after."""

from __future__ import annotations

import threading
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from ashby_connector.core.syncs import Plan, ProgressEvent, SyncReport


class SyncProgress:
    """An ``on_progress`` handler that draws one line per stream (called from worker threads)."""

    def __init__(
        self, console: Console, *, transient: bool = False, rate_per_minute: float | None = None
    ) -> None:
        self.console = console
        wide = console.width >= 100
        # Below 100 columns: the bar and the counts, no more (every column fits 80, none is cut).
        columns = (
            [
                SpinnerColumn(finished_text="[green]✓"),
                TextColumn("[bold]{task.fields[stream]:<30}"),
                TextColumn("{task.fields[mode]:<16}"),
                BarColumn(bar_width=20),
                TextColumn("{task.completed:>8,.0f} rec"),
                TextColumn("{task.fields[pages]:>5} pages"),
                TextColumn("{task.fields[rate]:>8} rec/s"),
                TimeElapsedColumn(),
                TextColumn("{task.fields[eta]}"),
            ]
            if wide
            else [
                SpinnerColumn(finished_text="[green]✓"),
                TextColumn("[bold]{task.fields[stream]:<29}"),
                BarColumn(bar_width=12),
                TextColumn("{task.completed:>8,.0f} rec"),
                TimeElapsedColumn(),
            ]
        )
        self.progress = Progress(
            *columns,
            console=console,
            transient=transient,
            refresh_per_second=8,
            # A pipe or a log gets no bars: the summary table after the run has the same figures.
            disable=not console.is_terminal,
        )
        self.tasks: dict[str, TaskID] = {}
        self.lock = threading.Lock()
        self.rate_per_minute = rate_per_minute

    def __enter__(self) -> SyncProgress:
        self.progress.__enter__()
        return self

    def __exit__(
        self, typ: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.progress.__exit__(typ, exc, tb)

    def __call__(self, event: ProgressEvent) -> None:
        if event.kind == "warning":
            self.progress.console.print(f"[yellow]warning:[/] {event.message}")
            return
        if event.kind == "stage":
            # "copy usable after ...; child lists next: ...": a line each, so 80 columns hold them.
            usable, _, rest = (event.message or "").partition("; ")
            self.progress.console.print(f"[bold green]{usable}" + (f";\n  {rest}" if rest else ""))
            return
        with self.lock:
            task = self.tasks.get(event.stream)
            if task is None:
                task = self.progress.add_task(
                    "", total=None, stream=event.stream, mode=event.mode, pages=0, rate="", eta=""
                )
                self.tasks[event.stream] = task
        rate = f"{event.fetched / event.elapsed:,.0f}" if event.elapsed > 0 else ""
        self.progress.update(
            task, completed=event.fetched, mode=event.mode, pages=event.pages, rate=rate, eta=self._eta(event)
        )
        if event.kind == "done":
            if event.status == "ok":
                self.progress.update(task, total=max(event.fetched, 1), completed=max(event.fetched, 1))
            else:
                colour = "dim" if event.status == "unavailable" else "red"
                self.progress.update(task, total=1, completed=0, mode=f"[{colour}]{event.status}")
            self.progress.stop_task(task)

    def _eta(self, event: ProgressEvent) -> str:
        """Child lists: parents left, and the time they take at the key's budget."""
        if event.total is None or event.kind == "done":
            return ""
        left = max(0, event.total - event.done)
        at_budget = f", {left / self.rate_per_minute:.1f} min at budget" if self.rate_per_minute else ""
        return f"{event.done:,}/{event.total:,} parents{at_budget}"


def error_lines(report: SyncReport) -> list[str]:
    """Each failed stream's error whole (the table shortens them), one ``error:`` line each."""
    return [
        f"error: {s.stream}: {s.error}"
        for s in report.streams
        if s.error and s.status in ("failed", "skipped")
    ]


def plan_table(plan: Plan) -> Table:
    table = Table(title=f"Sync plan ({'first run' if plan.first_run else 'from the store'})")
    table.add_column("stream")
    table.add_column("stage")
    table.add_column("requests", justify="right")
    table.add_column("minutes", justify="right")
    table.add_column("how estimated")
    for s in plan.streams:
        minutes = plan.minutes(s.requests, [s])
        table.add_row(
            s.stream, s.stage, f"{s.requests:,}", "" if minutes is None else f"{minutes:.1f}", s.basis
        )
    table.add_section()
    usable = plan.usable_minutes
    total = plan.total_minutes
    table.add_row(
        "[bold]copy usable after",
        "",
        f"[bold]{plan.usable_requests:,}",
        "" if usable is None else f"[bold]{usable:.1f}",
        "top-level lists (and apiKey.info)",
    )
    table.add_row(
        "[bold]total",
        "",
        f"[bold]{plan.requests:,}",
        "" if total is None else f"[bold]{total:.1f}",
        f"at {plan.rate_per_minute:,.0f} requests/min" if plan.rate_per_minute else "no rate limit",
    )
    if plan.count_requests:
        table.caption = f"counting the lists for this plan took {plan.count_requests:,} requests"
    return table


def summary_table(report: SyncReport, *, title: str = "Sync summary") -> Table:
    table = Table(title=title, show_lines=False)
    table.add_column("stream")
    table.add_column("mode")
    table.add_column("fetched", justify="right")
    table.add_column("changed", justify="right")
    table.add_column("requests", justify="right")
    table.add_column("duration", justify="right")
    table.add_column("status")
    for s in report.streams:
        status = {
            "ok": "[green]ok",
            "failed": "[red]failed",
            "skipped": "[yellow]skipped",
            "unavailable": "[dim]unavailable",
            "interrupted": "[yellow]interrupted",
        }[s.status]
        # The words behind a status are printed whole elsewhere: a warning line while the run
        # goes, an ``error:`` line after the table; here they would only make it too wide to read.
        table.add_row(
            s.stream,
            s.mode,
            f"{s.fetched:,}",
            f"{s.changed:,}",
            f"{s.requests:,}",
            f"{s.duration:.1f}s",
            status,
        )
    table.add_section()
    table.add_row(
        "[bold]total",
        "",
        f"[bold]{report.fetched:,}",
        f"[bold]{report.changed:,}",
        f"[bold]{report.requests:,}",
        f"[bold]{report.duration:.1f}s",
        "[green]all finished" if report.ok else "[red]not all finished",
    )
    if report.usable_after is not None:
        table.caption = (
            f"copy usable after {report.usable_after:.1f}s ({report.usable_requests:,} requests); "
            "retries are counted in requests"
        )
    return table
