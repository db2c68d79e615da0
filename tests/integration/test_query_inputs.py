"""No 500 from any input: the issue's three probes, and property tests of dates, cursors, filters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ashby_connector.core.errors import CoreError
from ashby_connector.core.resources import records as resources
from ashby_connector.core.resources.query_params import (
    QueryParamError,
    check_filters,
    parse_csv,
    parse_timestamp,
)
from tests.integration.server_fakes import Harness, harness

FAST = settings(max_examples=150, deadline=None, database=None)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Harness, dict[str, str]]]:
    with harness(tmp_path_factory.mktemp("inputs")) as h:
        conn = h.connection(h.tenant())
        h.core.store.upsert_records(
            conn["X-Connection-Id"],
            "candidate",
            [{"id": f"c{i}", "name": f"N{i}", "createdAt": "2024-01-02T00:00:00Z"} for i in range(5)],
        )
        yield h, conn


@pytest.mark.parametrize("model", ["atsCandidate", "atsApplication", "genericContact"])
@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2024-13-01"]
)
def test_extreme_dates_are_422_not_500(
    served: tuple[Harness, dict[str, str]], model: str, value: str
) -> None:
    h, conn = served
    for name in ("createdAfter", "updatedAfter"):
        answer = h.http.get(f"/resources/{model}", params={name: value}, headers=conn)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["field"] == name


def test_the_issues_three_inputs(served: tuple[Harness, dict[str, str]]) -> None:
    h, conn = served
    sub = h.http.post("/subscriptions", json={"url": "http://127.0.0.1:1/x"}, headers=conn).json()
    for before in ("99999999999999999999999", "-1", "0"):
        answer = h.http.get(f"/subscriptions/{sub['id']}/deliveries?before={before}", headers=conn)
        assert answer.status_code == 422 and answer.json()["error"]["field"] == "before"
    assert h.http.get(f"/subscriptions/{sub['id']}/deliveries?limit=100000", headers=conn).status_code == 422
    created = h.http.get("/resources/atsCandidate?createdAfter=2024-01-01T00:00:00Z", headers=conn)
    assert created.status_code == 200 and len(created.json()["data"]) == 5
    link = h.http.post("/connect-links", json={"ownerId": "o"}, headers=conn).json()["url"]
    many = "&".join(f"f{i}=x" for i in range(6))
    answer = h.http.post(link, content=many, headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 422 and "name='apiKey'" in answer.text  # six fields are fine; no key


@FAST
@given(st.text(max_size=80))
def test_any_timestamp_text_parses_or_is_refused_by_name(text: str) -> None:
    try:
        parsed = parse_timestamp(text, "updatedAfter")
    except QueryParamError as exc:
        assert exc.field == "updatedAfter" and str(exc).startswith("updatedAfter")
    else:
        assert parsed is not None and parsed.tzinfo is UTC


@FAST
@given(st.datetimes(timezones=st.timezones()))
def test_every_zoned_time_round_trips_or_is_out_of_range(moment: datetime) -> None:
    try:
        parsed = parse_timestamp(moment.isoformat(), "createdAfter")
    except QueryParamError as exc:
        assert "between 1900" in str(exc) or "timezone" in str(exc)
    else:
        # As UTC: a zone's gap or fold makes an interzone == false even for the same instant.
        assert parsed == moment.astimezone(UTC)


@FAST
@given(st.text(max_size=300), st.integers(min_value=1, max_value=120))
def test_csv_values_are_bounded(text: str, most: int) -> None:
    try:
        items = parse_csv(text, "ids", most)
    except QueryParamError as exc:
        assert exc.code == "too_many_values"
    else:
        assert items is not None and len(items) <= most and all(i == i.strip() and i for i in items)


@FAST
@given(st.text(max_size=200))
def test_any_cursor_decodes_or_is_invalid_cursor(cursor: str) -> None:
    try:
        store_cursor, skip = resources.decode_cursor(cursor)
    except CoreError as exc:
        assert (exc.status, exc.code) == (400, "invalid_cursor")
    else:
        assert 0 <= skip < 10_000_000 and (store_cursor is None or len(store_cursor) <= 400)


@FAST
@given(st.text(max_size=100), st.integers(min_value=0, max_value=9_999_999))
def test_cursors_this_server_gives_out_decode_to_themselves(store_cursor: str, skip: int) -> None:
    store_cursor = store_cursor.replace("\x00", "")  # the codec's separator: no store cursor has one
    assert resources.decode_cursor(resources.encode_cursor(store_cursor or None, skip)) == (
        store_cursor or None,
        skip,
    )


@FAST
@given(st.dictionaries(st.text(max_size=30), st.text(max_size=700), max_size=25))
def test_filters_are_known_fields_bounded_in_number_and_length(filters: dict[str, str]) -> None:
    try:
        check_filters(filters, {"name", "email", "id"}, "atsCandidate")
    except QueryParamError as exc:
        assert exc.code in ("unknown_filter", "too_many_values", "invalid_request")
    else:
        assert len(filters) <= 20 and set(filters) <= {"name", "email", "id"}


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(
    params=st.dictionaries(
        st.sampled_from(
            ["cursor", "createdAfter", "updatedAfter", "ids", "q", "fields", "expand", "limit", "name"]
        ),
        st.text(max_size=60),
        max_size=4,
    )
)
def test_any_list_query_is_answered_below_500(
    served: tuple[Harness, dict[str, str]], params: dict[str, str]
) -> None:
    h, conn = served
    answer = h.http.get("/resources/atsCandidate", params=params, headers=conn)
    assert answer.status_code < 500, (params, answer.text)


def test_a_subscription_patch_with_nulls_changes_nothing_and_is_not_a_500(
    served: tuple[Harness, dict[str, str]],
) -> None:
    h, conn = served
    sub = h.http.post(
        "/subscriptions", json={"url": "http://127.0.0.1:1/y", "models": ["atsJob"]}, headers=conn
    )
    nulls = {"url": None, "models": None, "events": None, "enabled": None}
    answer = h.http.patch(f"/subscriptions/{sub.json()['id']}", json=nulls, headers=conn)
    assert answer.status_code == 200, answer.text
    assert answer.json()["models"] == ["atsJob"] and answer.json()["url"] == "http://127.0.0.1:1/y"
