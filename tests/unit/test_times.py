"""The project's one set of time helpers: each takes one type and writes the forms the API, Ashby
and Standard Webhooks payloads have always used."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from ashby_connector.times import ashby_time, epoch_ms, iso, iso_epoch, parse_instant

AT = datetime(2024, 4, 3, 18, 3, 20, 89_123, tzinfo=UTC)


def test_iso_takes_a_datetime_and_writes_utc() -> None:
    assert iso(AT) == "2024-04-03T18:03:20.089123+00:00"
    assert iso(AT, z=True) == "2024-04-03T18:03:20.089123Z"
    assert iso(AT.astimezone(timezone(timedelta(hours=2)))) == "2024-04-03T18:03:20.089123+00:00"
    assert iso(None) is None


def test_iso_epoch_takes_seconds() -> None:
    seconds = AT.timestamp()
    assert iso_epoch(seconds, timespec="seconds") == "2024-04-03T18:03:20+00:00"
    assert iso_epoch(seconds, z=True, timespec="milliseconds") == "2024-04-03T18:03:20.089Z"
    assert iso_epoch(None) is None


def test_ashby_form_and_epoch_ms() -> None:
    assert ashby_time(AT) == "2024-04-03T18:03:20.089Z"
    assert epoch_ms(AT) == int(AT.timestamp() * 1000)


def test_parse_instant_reads_what_ashby_writes() -> None:
    assert parse_instant("2024-04-03T18:03:20.089Z") == datetime(2024, 4, 3, 18, 3, 20, 89_000, tzinfo=UTC)
    assert parse_instant("2024-04-03T20:03:20+02:00") == datetime(2024, 4, 3, 18, 3, 20, tzinfo=UTC)
    assert parse_instant("2024-04-03T18:03:20") == datetime(2024, 4, 3, 18, 3, 20, tzinfo=UTC)
    assert parse_instant("yesterday") is None and parse_instant("") is None and parse_instant(3) is None
