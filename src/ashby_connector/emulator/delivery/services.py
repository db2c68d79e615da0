"""The extras' services, kept per organisation in ``State.extras`` and created on first use.

A fresh ``State`` (after a reset) starts without them, so settings, files and report budgets never
leak from one organisation into the next.
"""

from __future__ import annotations

from typing import Any

from ashby_connector.emulator.delivery.files import FileStore
from ashby_connector.emulator.delivery.reports import ReportService
from ashby_connector.emulator.delivery.webhooks import WebhookSender
from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.ratelimit import ReportLimiter
from ashby_connector.emulator.records.state import State

_SENDER = "webhook_sender"
_FILES = "file_store"
_REPORTS = "report_service"
BASE_URL = "base_url"  # set by the app when it knows where it listens


def webhook_sender(state: State) -> WebhookSender:
    sender = state.extras.get(_SENDER)
    if isinstance(sender, WebhookSender):
        return sender
    with state.lock:
        sender = state.extras.get(_SENDER)
        if isinstance(sender, WebhookSender):
            return sender
        sender = WebhookSender(time_scale=state.config.webhook_time_scale)
        state.extras[_SENDER] = sender

        def deliver(webhook_type: str, data: dict[str, Any], action_id: str) -> None:
            sender.emit(webhook_type, data, action_id=action_id, related=_related(state, webhook_type, data))

        state.subscribe(deliver)
        return sender


def _related(state: State, webhook_type: str, data: dict[str, Any]) -> dict[str, Any] | None:
    # interviewPlanTransition names the job by id; the jobUpdate it also fires carries the job.
    if webhook_type == "interviewPlanTransition":
        job_id = data.get("jobId")
        job = state.get("job", job_id) if isinstance(job_id, str) else None
        return {"jobUpdate": {"job": job}} if job else None
    return None


def file_store(state: State) -> FileStore:
    files = state.extras.get(_FILES)
    if isinstance(files, FileStore):
        return files
    with state.lock:
        files = state.extras.get(_FILES)
        if not isinstance(files, FileStore):
            files = FileStore()
            state.extras[_FILES] = files
        return files


def report_service(state: State) -> ReportService:
    reports = state.extras.get(_REPORTS)
    if isinstance(reports, ReportService):
        return reports
    with state.lock:
        reports = state.extras.get(_REPORTS)
        if not isinstance(reports, ReportService):
            reports = ReportService(state.iter, lambda: _report_limiter(state))
            state.extras[_REPORTS] = reports
        return reports


def _report_limiter(state: State) -> ReportLimiter:
    limiter = state.extras.get("report_limiter")
    if not isinstance(limiter, ReportLimiter):
        limiter = ReportLimiter(state.config.report_limit_per_minute, state.config.report_concurrent_limit)
        state.extras["report_limiter"] = limiter
    return limiter


def base_url(ctx: Ctx) -> str:
    """Where this emulator is reachable, for the file URLs it hands out."""
    known = ctx.state.extras.get(BASE_URL)
    if isinstance(known, str) and known:
        return known
    host = ctx.headers.get("host") or ctx.headers.get("Host") or "127.0.0.1"
    return f"http://{host}"


def close_extras(state: State, *, wait: bool = True) -> None:
    """Stop the webhook threads (called when the emulator shuts down or resets). ``wait=False``
    only tells them to stop: a reset holds the state's lock, which a delivery in flight may need."""
    sender = state.extras.get(_SENDER)
    if isinstance(sender, WebhookSender):
        sender.close(wait=wait)
