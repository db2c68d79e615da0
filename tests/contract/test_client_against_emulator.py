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
from tests.unit.test_client_operations import OPS, gen, method_of, sample

LISTS = [op for op in OPS if op.method == "list" and not op.required_fields and op.request_schema is not None]


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorHandle]:
    with run_emulator(seed=3, candidates=30, rate_limit_per_minute=None) as handle:
        yield handle


@pytest.fixture(scope="module")
def real_ids(emu: EmulatorHandle) -> dict[str, str]:
    """An existing id per module, from its list operation, to make reads find something."""
    ids: dict[str, str] = {}
    with AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None) as client:
        for op in LISTS:
            try:
                results = client.call(op.name, {"limit": 5})
            except APIError:
                continue
            if isinstance(results, list) and results and isinstance(results[0], dict) and "id" in results[0]:
                ids[op.module] = str(results[0]["id"])
    return ids


def required_args(op: Operation, ids: dict[str, str]) -> dict[str, Any]:
    if op.request_schema is None and op.multipart_schema is None:
        return {}
    params, _ = gen.params_for(op)
    props, _ = gen.request_shape(op.request_schema)
    args: dict[str, Any] = {}
    for p in params:
        if not p.required or p.is_file:
            continue
        own_id = p.key == "id" or p.key == f"{op.module}Id"
        args[p.name] = ids[op.module] if own_id and op.module in ids else sample(props[p.key])
    return args


def check(op: Operation, result: Any) -> None:
    if isinstance(result, Page):
        result = result.results
    items = result if isinstance(result, list) else [result]
    for item in items:
        if isinstance(item, AshbyModel):
            assert isinstance(item.raw, dict)


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_operation_over_http(emu: EmulatorHandle, real_ids: dict[str, str], op: Operation) -> None:
    with AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None, max_retries=0) as client:
        try:
            result = method_of(client, op)(**required_args(op, real_ids))
        except APIError as error:
            # A mapped, explained error: a code or an HTTP status, and the operation named.
            assert error.code or error.http_status != 200, repr(error)
            assert error.operation == (op.alias_of or op.name)
            return
    check(op, result)


@pytest.mark.parametrize("op", LISTS, ids=lambda op: op.name)
def test_lists_walk_every_page_sync_and_async(emu: EmulatorHandle, op: Operation) -> None:
    with AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None) as client:
        try:
            raw = list(client.paginate(op.name, limit=7))
        except APIError:
            pytest.skip(f"{op.name} needs more than an empty body on the emulator")
        if op.pagination != "none":
            pager = getattr(client, op.python_module).__getattribute__("list_all")(limit=7)
            typed = list(pager)
            assert [t.raw for t in typed] == raw
            if op.pagination == "cursor+syncToken":
                assert pager.sync_token

    async def go() -> list[dict[str, Any]]:
        async with AsyncAshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None) as c:
            return [r async for r in c.paginate(op.name, limit=7)]

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
