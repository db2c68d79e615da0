"""Every number an operator sets for the deployment has bounds: a value outside them (or not a
number at all) is refused at start-up naming the setting and its environment variable, on the
command line as one ``error:`` line with exit code 2, never a traceback or a silently odd
deployment (a retention of a millisecond would purge deleted records as soon as they are marked)."""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from ashby_connector.cli import app
from ashby_connector.core.settings import Settings, SettingsError


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("deleted_retention_days", 1e-300, "ASHBY_CONNECTOR_DELETED_RETENTION_DAYS"),
        ("deleted_retention_days", -5.0, "ASHBY_CONNECTOR_DELETED_RETENTION_DAYS"),
        ("deleted_retention_days", math.nan, "ASHBY_CONNECTOR_DELETED_RETENTION_DAYS"),
        ("deleted_retention_days", 10_000.0, "ASHBY_CONNECTOR_DELETED_RETENTION_DAYS"),
        ("inbox_retention_days", 0.0, "inbox_retention_days"),
        ("outbox_retention_days", math.inf, "outbox_retention_days"),
        ("schedule_incremental_minutes", 1e-300, "ASHBY_CONNECTOR_INCREMENTAL_MINUTES"),
        ("schedule_reconcile_hours", 0.0, "ASHBY_CONNECTOR_RECONCILE_HOURS"),
        ("schedule_fast_every_seconds", 0.01, "ASHBY_CONNECTOR_FAST_EVERY_SECONDS"),
        ("read_cache_mb", -1.0, "ASHBY_CONNECTOR_READ_CACHE_MB"),
        ("read_cache_mb", 0.5, "ASHBY_CONNECTOR_READ_CACHE_MB"),
        ("read_cache_mb", math.inf, "ASHBY_CONNECTOR_READ_CACHE_MB"),
    ],
)
def test_a_number_out_of_bounds_is_refused_naming_the_setting(field: str, value: float, named: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings(**{field: value})  # type: ignore[arg-type]
    assert refused.value.field == named
    assert field in refused.value.message and "must be" in refused.value.message
    assert refused.value.bad_input


def test_the_documented_off_values_and_defaults_are_accepted() -> None:
    kept = Settings(deleted_retention_days=0, schedule_fast_every_seconds=0)
    assert (kept.deleted_retention_days, kept.schedule_fast_every_seconds) == (0, 0)
    default = Settings()
    assert (default.deleted_retention_days, default.inbox_retention_days) == (30.0, 7.0)


def test_an_environment_value_that_is_not_a_number_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASHBY_CONNECTOR_DELETED_RETENTION_DAYS", "thirty")
    with pytest.raises(SettingsError) as refused:
        Settings()
    assert refused.value.field == "ASHBY_CONNECTOR_DELETED_RETENTION_DAYS"
    assert "'thirty'" in refused.value.message


def test_serve_with_a_bad_retention_exits_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("ASHBY_CONNECTOR_DELETED_RETENTION_DAYS", "-1")
    result = CliRunner().invoke(app, ["serve", "--db", f"sqlite:///{tmp_path}/a.db"])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [
        "error: deleted_retention_days (env ASHBY_CONNECTOR_DELETED_RETENTION_DAYS) must be 0 (off) "
        "or between 1 and 3650; got -1"
    ]
