"""A connection's health from its newest runs and deliveries: the reason an operator reads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ashby_connector.core.freshness.health import judge
from ashby_connector.core.syncs.history import SyncRun
from ashby_connector.store.tenancy import ConnectionRow

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def row(scopes: list[str] | None = None) -> ConnectionRow:
    return ConnectionRow(
        id="conn_1",
        tenant_id="tenant_1",
        owner_id="acme",
        api_key_encrypted="x",
        key_title="Acme",
        scopes=scopes,
        operations=None,
        created_at=NOW,
        updated_at=NOW,
    )


def run(status: str, error: str | None = None, report: dict[str, Any] | None = None) -> SyncRun:
    return SyncRun(
        "sync_1",
        "conn_1",
        "schedule",
        "incremental",
        status,
        None,
        NOW,
        NOW,
        NOW,
        1,
        1,
        0,
        0,
        error,
        report,
        "w",
    )


def health(connection: ConnectionRow | None = None, **kw: Any) -> tuple[str, str | None]:
    kw.setdefault("running", False)
    kw.setdefault("last_run", kw.get("last_finished"))
    kw.setdefault("last_finished", None)
    kw.setdefault("failing_deliveries", 0)
    found = judge(connection or row(), **kw)
    return found.state, found.code


def test_a_new_connection_is_pending_and_a_running_one_syncing() -> None:
    assert health() == ("pending", None)
    assert health(running=True) == ("syncing", None)
    assert health(last_finished=run("succeeded"), last_run=run("running")) == ("syncing", None)


def test_the_last_run_decides_between_healthy_and_failed() -> None:
    assert health(last_finished=run("succeeded")) == ("healthy", None)
    failed = judge(
        row(),
        running=False,
        last_run=None,
        last_finished=run("failed", "ServerError: 503"),
        failing_deliveries=0,
    )
    assert (failed.state, failed.code) == ("attention", "last_run_failed")
    assert failed.reason == "The last run failed: ServerError: 503"


def test_a_refused_key_outranks_a_run_in_progress() -> None:
    refused = run(
        "failed", "SyncAbortedError: the API key was refused by Ashby (invalid_api_key): check the key"
    )
    assert health(last_finished=refused, running=True) == ("attention", "key_refused")


def test_a_permission_the_key_had_and_lost_needs_attention_but_one_it_never_had_does_not() -> None:
    report = {"ok": True, "missing_permissions": ["candidatesRead"], "streams": []}
    assert health(row(["candidatesRead", "jobsRead"]), last_finished=run("succeeded", report=report)) == (
        "attention",
        "permission_lost",
    )
    assert health(row(["jobsRead"]), last_finished=run("succeeded", report=report)) == ("healthy", None)


def test_failing_deliveries_and_an_exhausted_budget_say_so() -> None:
    assert health(last_finished=run("succeeded"), failing_deliveries=2) == ("attention", "deliveries_failing")
    limited = {
        "ok": False,
        "streams": [{"stream": "candidate", "status": "failed", "error": "RateLimitError: 429"}],
    }
    assert health(last_finished=run("failed", report=limited)) == ("attention", "budget_exhausted")
