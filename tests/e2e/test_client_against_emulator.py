"""Every client operation over real HTTP against the emulator (built apart from the client, from
the same catalog): each call either returns a typed result or raises a mapped ``APIError``; never
a parsing error, a transport error or a bare exception."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from ashby_connector import APIError, AshbyClient, AsyncAshbyClient
from ashby_connector.catalog import Operation
from ashby_connector.client import AshbyModel, Page
from ashby_connector.emulator import EmulatorHandle, run_emulator
from tests.e2e.generated_requests import EXPECTED_REFUSALS, request_for
from tests.unit.test_client_operations import OPS, gen, method_of

LISTS = [op for op in OPS if op.method == "list" and op.request_schema is not None]


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorHandle]:
    with run_emulator(seed=3, candidates=30, rate_limit_per_minute=None) as handle:
        yield handle


def client_args(emu: EmulatorHandle, op: Operation) -> dict[str, Any]:
    """The keyword arguments that send the same valid body as the emulator's contract test."""
    body = request_for(emu, op)
    if op.request_schema is None and op.multipart_schema is None:
        return body
    names = {p.key: p.name for p in gen.params_for(op)[0] if not p.is_file}
    args = {names[key]: value for key, value in body.items() if key in names}
    extra = {key: value for key, value in body.items() if key not in names}
    return {**args, "extra_body": extra} if extra else args


# Operations whose answer the client parsed into its typed result; it only goes up.
TYPED_SUCCESS_FLOOR = 151


def typed_success_operations() -> list[str]:
    return [op.name for op in OPS if (op.alias_of or op.name) not in EXPECTED_REFUSALS]


def test_the_number_of_typed_successes_only_goes_up() -> None:
    assert len(typed_success_operations()) >= TYPED_SUCCESS_FLOOR


def check(op: Operation, result: Any) -> None:
    if isinstance(result, Page):
        result = result.results
    items = result if isinstance(result, list) else [result]
    for item in items:
        if isinstance(item, AshbyModel):
            assert isinstance(item.raw, dict)


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_operation_over_http(request: pytest.FixtureRequest, op: Operation) -> None:
    # Reads share the session organisation; writes get their own so they cannot disturb others.
    emu: EmulatorHandle = request.getfixturevalue("emulator" if op.is_read else "fresh_emulator")
    expected = EXPECTED_REFUSALS.get(op.alias_of or op.name)
    with AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None, max_retries=0) as client:
        try:
            result = method_of(client, op)(**client_args(emu, op))
        except APIError as error:
            # Only a reviewed refusal, mapped and explained: the code and the operation named.
            assert expected and error.code == expected, repr(error)
            assert error.operation == (op.alias_of or op.name)
            return
    assert expected is None, f"{op.name} succeeded where {expected} was expected: shorten the table"
    check(op, result)


@pytest.mark.parametrize("op", LISTS, ids=lambda op: op.name)
def test_lists_walk_every_page_sync_and_async(emulator: EmulatorHandle, op: Operation) -> None:
    # Lists of children (interviewEvent.list, candidate.listProjects...) get a real parent.
    parents = {k: v for k, v in request_for(emulator, op).items() if k in op.required_fields}
    with AshbyClient(emulator.api_key, base_url=emulator.base_url, rate_limit_per_minute=None) as client:
        if op.name in EXPECTED_REFUSALS:
            with pytest.raises(APIError) as refused:
                list(client.paginate(op.name, parents, limit=7))
            assert refused.value.code == EXPECTED_REFUSALS[op.name]
            return
        raw = list(client.paginate(op.name, parents, limit=7))
        if op.pagination != "none":
            names = {p.key: p.name for p in gen.params_for(op)[0]}
            pager = getattr(client, op.python_module).__getattribute__("list_all")(
                limit=7, **{names[k]: v for k, v in parents.items()}
            )
            typed = list(pager)
            assert [t.raw for t in typed] == raw
            if op.pagination == "cursor+syncToken":
                assert pager.sync_token

    async def go() -> list[dict[str, Any]]:
        base = emulator.base_url
        async with AsyncAshbyClient(emulator.api_key, base_url=base, rate_limit_per_minute=None) as c:
            return [r async for r in c.paginate(op.name, parents, limit=7)]

    assert asyncio.run(go()) == raw


def test_incremental_sync_against_the_emulator(emu: EmulatorHandle) -> None:
    with AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None) as client:
        full = client.candidate.list_all()
        everyone = list(full)
        assert everyone and full.sync_token
        created = client.candidate.create(name="Grace Incremental")
        changes = client.candidate.list_all(sync_token=full.sync_token)
        changed_ids = [c.id for c in changes]
        assert created.id in changed_ids
        assert changes.sync_token


def test_missing_permission_is_named(emu: EmulatorHandle) -> None:
    from ashby_connector import PermissionDeniedError

    key = emu.control.add_key(permissions=["jobsRead"])
    with AshbyClient(key, base_url=emu.base_url, rate_limit_per_minute=None) as client:
        assert isinstance(client.job.list().results, list)
        with pytest.raises(PermissionDeniedError) as info:
            client.offer.list()
    assert info.value.permission == "offersRead" and "offersRead" in str(info.value)


def test_upload_and_download_against_the_emulator(emu: EmulatorHandle) -> None:
    with AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None) as client:
        candidate_id = client.candidate.list(limit=1).results[0].id
        assert candidate_id
        handle = client.file.upload(b"%PDF-1.4 contract", filename="cv.pdf", context="CandidateResume")
        client.candidate.upload_resume(candidate_id=candidate_id, resume_handle=handle)
        stored = client.candidate.info(id=candidate_id).resume_file_handle
        assert stored and stored.handle
        assert client.file.download(stored.handle) == b"%PDF-1.4 contract"
        # The deprecated multipart form works too.
        client.candidate.upload_resume(candidate_id=candidate_id, resume=b"%PDF-1.4 multipart")
