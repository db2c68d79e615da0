"""Typed pages validate each record when it is first read, and otherwise behave as lists of models."""

from __future__ import annotations

import asyncio
import copy
import pickle
from typing import Any

import httpx
import pytest
import respx
from pydantic import ValidationError

from ashby_connector import AshbyClient, AsyncAshbyClient
from ashby_connector.client._lazy import LazyRecords
from ashby_connector.types import Candidate, CandidateTag

BASE = "http://ashby.test"


def candidate(i: int) -> dict[str, Any]:
    return {
        "id": f"c{i}",
        "name": f"Person {i}",
        "tags": [{"id": f"t{i}", "title": "Python", "isArchived": False}],
        "primaryEmailAddress": {"value": f"p{i}@example.com", "type": "Personal", "isPrimary": True},
        "fieldAshbyAddsTomorrow": i,
    }


SENT = [candidate(i) for i in range(3)]


def answer(results: list[Any]) -> httpx.Response:
    return httpx.Response(200, json={"success": True, "results": results, "moreDataAvailable": False})


def client() -> AshbyClient:
    return AshbyClient("k", base_url=BASE, rate_limit_per_minute=None)


def fetch(results: list[Any]) -> list[Candidate]:
    with respx.mock(base_url=BASE) as mock:
        mock.post("/candidate.list").mock(return_value=answer(results))
        with client() as c:
            return c.candidate.list().results


def test_a_page_in_hand_has_validated_nothing_and_a_read_validates_only_that_record() -> None:
    results = fetch(SENT)
    assert isinstance(results, LazyRecords) and isinstance(results, list)
    assert len(results) == 3 and results.validated == 0
    second = results[1]
    assert isinstance(second, Candidate)
    assert results.validated == 1
    assert results[1] is second  # validated once, then kept
    assert second.name == "Person 1"
    assert isinstance(second.tags and second.tags[0], CandidateTag)
    assert second.raw == SENT[1]  # the dict as Ashby sent it, unknown fields included
    assert second.model_extra == {"fieldAshbyAddsTomorrow": 1}


def test_iteration_order_length_and_equality_match_eager_models() -> None:
    results = fetch(SENT)
    eager = [Candidate.from_raw(r) for r in SENT]
    assert [r.id for r in results] == ["c0", "c1", "c2"]
    assert results.validated == 3
    assert results == eager and eager == results and not (results != eager)  # noqa: SIM202
    assert list(reversed(fetch(SENT))) == eager[::-1]
    assert fetch(SENT)[-1] == eager[-1]
    assert fetch(SENT)[::2] == [eager[0], eager[2]]


def test_a_bad_record_fails_on_read_naming_the_record_and_page() -> None:
    results = fetch([candidate(0), {"id": 5, "name": ["not", "a", "name"]}, candidate(2)])
    assert len(results) == 3  # getting the page does not validate it
    assert results[0].id == "c0" and results[2].id == "c2"  # the good records stay readable
    with pytest.raises(ValidationError) as caught:
        results[1]
    message = str(caught.value) + "\n".join(getattr(caught.value, "__notes__", []))
    assert "Candidate" in message and "id" in message and "name" in message
    assert "while reading record 1 of a candidate.list page" in message
    with pytest.raises(ValidationError):
        list(results)  # iteration reaches the same record and fails the same way


def test_list_operations_see_models_not_raw_records() -> None:
    eager = [Candidate.from_raw(r) for r in SENT]
    results = fetch(SENT)
    assert [eager[0]] + results == [eager[0], *eager]  # noqa: RUF005 (the operator is the point)
    assert results + [eager[0]] == [*eager, eager[0]]  # noqa: RUF005
    assert eager[1] in fetch(SENT) and fetch(SENT).index(eager[2]) == 2 and fetch(SENT).count(eager[0]) == 1
    assert copy.copy(fetch(SENT)) == eager and copy.deepcopy(fetch(SENT)) == eager
    assert pickle.loads(pickle.dumps(fetch(SENT))) == eager
    unread = fetch(SENT)
    assert repr(unread) == "<3 Candidate records of a candidate.list page, 0 validated so far>"
    assert unread.validated == 0  # a repr (asyncio and loggers take them) validates nothing
    list(unread)
    assert repr(unread) == repr(eager)
    grown = fetch(SENT)
    grown.append(eager[0])
    grown.insert(0, eager[2])
    assert grown == [eager[2], *eager, eager[0]]
    assert all(isinstance(r, Candidate) for r in grown)
    ordered = fetch(SENT)
    ordered.sort(key=lambda r: r.id or "", reverse=True)
    assert ordered == eager[::-1]
    assert tuple(fetch(SENT)) == tuple(eager) and sorted(fetch(SENT), key=lambda r: r.id or "") == eager


def test_list_all_yields_models_in_order_across_pages() -> None:
    first = {"success": True, "results": SENT[:2], "moreDataAvailable": True, "nextCursor": "n"}
    with respx.mock(base_url=BASE) as mock:
        mock.post("/candidate.list").mock(side_effect=[httpx.Response(200, json=first), answer(SENT[2:])])
        with client() as c:
            records = list(c.candidate.list_all())
    assert [r.id for r in records] == ["c0", "c1", "c2"]
    assert all(isinstance(r, Candidate) for r in records)


def test_async_typed_page_is_lazy_too() -> None:
    async def run() -> list[Candidate]:
        with respx.mock(base_url=BASE) as mock:
            mock.post("/candidate.list").mock(return_value=answer(SENT))
            async with AsyncAshbyClient("k", base_url=BASE, rate_limit_per_minute=None) as c:
                return (await c.candidate.list()).results

    results = asyncio.run(run())
    assert isinstance(results, LazyRecords) and results.validated == 0
    assert [r.raw for r in results] == SENT
