"""Every catalog operation, through the sync and the async client, against a respx mock that
answers a schema-valid body: the request goes to the right path with the right camelCase body, and
the answer comes back typed (models keep unknown fields and the raw dict)."""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import respx

from ashby_connector import AshbyClient, AsyncAshbyClient, catalog
from ashby_connector.catalog import Operation
from ashby_connector.client import AshbyModel, AsyncPager, Page, SyncPager

ROOT = Path(__file__).resolve().parents[2]
BASE = "http://ashby.test"


def load_generator() -> Any:
    spec = importlib.util.spec_from_file_location("generate_client", ROOT / "scripts" / "generate_client.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate_client"] = module
    spec.loader.exec_module(module)
    return module


gen = load_generator()


def sample(schema: Any, depth: int = 0) -> Any:
    """A small instance that satisfies ``schema`` (every property filled, first enum value)."""
    schema = gen.norm(schema)
    for combo in ("oneOf", "anyOf"):
        if combo in schema:
            return sample(schema[combo][0], depth)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return next(v for v in schema["enum"] if v is not None)
    if schema.get("properties"):
        return {k: sample(v, depth + 1) for k, v in schema["properties"].items()}
    kinds = [t for t in gen.types_of(schema) if t != "null"]
    kind = kinds[0] if kinds else None
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "uuid":
            return str(uuid.UUID(int=depth + 1))
        if fmt == "date-time":
            return "2026-01-02T03:04:05.000Z"
        return "text"
    if kind in ("integer", "number"):
        value = 7 if kind == "integer" else 7.5
        low, high = schema.get("minimum"), schema.get("maximum")
        if high is not None and value > high:
            value = high
        if low is not None and value < low:
            value = low
        return value
    if kind == "boolean":
        return True
    if kind == "array":
        return [sample(schema.get("items", {}), depth + 1)] if depth < 6 else []
    if kind == "object":
        extra = schema.get("additionalProperties")
        return {"key": sample(extra, depth + 1)} if isinstance(extra, dict) else {}
    return "anything"


def client_ops() -> list[Operation]:
    return [op for ops in gen.client_operations().values() for op in ops]


def method_of(client: Any, op: Operation) -> Any:
    return getattr(getattr(client, op.python_module), op.python_method)


def call_args(op: Operation) -> tuple[dict[str, Any], dict[str, Any]]:
    """(keyword arguments for the method, the JSON body they must produce)."""
    if op.request_schema is None and op.multipart_schema is None:
        return {"someId": "abc"}, {"someId": "abc"}
    params, _ = gen.params_for(op)
    props, _ = gen.request_shape(op.request_schema)
    props.update((gen.norm(op.multipart_schema or {})).get("properties", {}))
    kwargs: dict[str, Any] = {}
    body: dict[str, Any] = {}
    for p in params:
        if p.is_file:
            continue
        value = 50 if p.key == "limit" else sample(props[p.key])
        kwargs[p.name] = value
        body[p.key] = value
    return kwargs, body


def success_body(op: Operation) -> dict[str, Any]:
    results = sample(op.results_schema) if op.results_schema else {"id": "x"}
    envelope: dict[str, Any] = {"success": True, "results": results, "moreDataAvailable": False}
    if op.pagination == "cursor+syncToken":
        envelope["syncToken"] = "token-2"
    if op.response_schema:
        # validator_for(...)(...) skips re-checking the (large) schema itself on every call.
        jsonschema.validators.validator_for(op.response_schema)(op.response_schema).validate(envelope)
    # An unknown field, as Ashby adds them: must never break parsing.
    if isinstance(results, dict):
        results["brandNewField"] = 1
    elif isinstance(results, list) and results and isinstance(results[0], dict):
        results[0]["brandNewField"] = 1
    return envelope


def check_result(op: Operation, result: Any, envelope: dict[str, Any]) -> None:
    results = envelope["results"]
    if isinstance(result, Page):
        assert result.sync_token == envelope.get("syncToken")
        result = result.results
    if isinstance(result, AshbyModel):
        assert result.raw == results
        assert result.model_extra and result.model_extra["brandNewField"] == 1
    elif isinstance(result, list) and result and isinstance(result[0], AshbyModel):
        assert [r.raw for r in result] == results
    else:
        assert result == results


OPS = client_ops()


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_every_operation_sync(op: Operation) -> None:
    kwargs, expected = call_args(op)
    envelope = success_body(op)
    with respx.mock(base_url=BASE, assert_all_called=True) as mock:
        route = mock.post(f"/{op.alias_of or op.name}").respond(200, json=envelope)
        with AshbyClient("k", base_url=BASE, rate_limit_per_minute=None) as client:
            result = method_of(client, op)(**kwargs)
        sent = route.calls.last.request
        assert httpx.Response(200, content=sent.content).json() == expected
        assert sent.headers["authorization"].startswith("Basic ")
    check_result(op, result, envelope)


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_every_operation_async(op: Operation) -> None:
    kwargs, expected = call_args(op)
    envelope = success_body(op)

    async def go() -> Any:
        async with AsyncAshbyClient("k", base_url=BASE, rate_limit_per_minute=None) as client:
            method = method_of(client, op)
            assert inspect.iscoroutinefunction(method)
            return await method(**kwargs)

    with respx.mock(base_url=BASE, assert_all_called=True) as mock:
        route = mock.post(f"/{op.alias_of or op.name}").respond(200, json=envelope)
        result = asyncio.run(go())
        assert httpx.Response(200, content=route.calls.last.request.content).json() == expected
    check_result(op, result, envelope)


PAGED = [op for op in OPS if op.pagination != "none" and op.results_schema]


@pytest.mark.parametrize("op", PAGED, ids=lambda op: op.name)
def test_every_list_walks_all_pages(op: Operation) -> None:
    envelope = success_body(op)
    first = {**envelope, "moreDataAvailable": True, "nextCursor": "c2"}
    first.pop("syncToken", None)
    with respx.mock(base_url=BASE) as mock:
        route = mock.post(f"/{op.name}").mock(
            side_effect=[httpx.Response(200, json=first), httpx.Response(200, json=envelope)]
        )
        with AshbyClient("k", base_url=BASE, rate_limit_per_minute=None) as client:
            kwargs, _ = call_args(op)
            kwargs.pop("cursor", None)
            kwargs.pop("limit", None)
            pager = getattr(client, op.python_module).__getattribute__(op.python_method + "_all")(**kwargs)
            assert isinstance(pager, SyncPager)
            items = list(pager)
        assert len(items) == 2 * len(envelope["results"])
        assert pager.sync_token == envelope.get("syncToken")
        bodies = [httpx.Response(200, content=c.request.content).json() for c in route.calls]
        assert bodies[0]["limit"] == 100 and "cursor" not in bodies[0]
        assert bodies[1]["cursor"] == "c2"


def test_async_list_all_is_an_async_pager() -> None:
    async def go() -> None:
        async with AsyncAshbyClient("k", base_url=BASE, rate_limit_per_minute=None) as client:
            pager = client.candidate.list_all()
            assert isinstance(pager, AsyncPager)
            names = [c.name async for c in pager]
            assert names == ["A", "B"]
            assert pager.sync_token == "t"

    with respx.mock(base_url=BASE) as mock:
        mock.post("/candidate.list").mock(
            side_effect=[
                httpx.Response(
                    200,
                    json={
                        "success": True,
                        "results": [{"id": "1", "name": "A"}],
                        "moreDataAvailable": True,
                        "nextCursor": "n",
                    },
                ),
                httpx.Response(
                    200,
                    json={
                        "success": True,
                        "results": [{"id": "2", "name": "B"}],
                        "moreDataAvailable": False,
                        "syncToken": "t",
                    },
                ),
            ]
        )
        asyncio.run(go())


def test_partner_side_operations_get_no_method() -> None:
    client = AshbyClient("k", base_url=BASE, rate_limit_per_minute=None)
    for op in catalog.operations():
        if op.partner_side:
            resource = getattr(client, op.python_module)
            assert not hasattr(resource, op.python_method), op.name


def test_every_non_partner_operation_has_a_method() -> None:
    client = AshbyClient("k", base_url=BASE, rate_limit_per_minute=None)
    names = {op.name for op in OPS}
    for op in catalog.operations():
        if not op.partner_side:
            assert callable(method_of(client, op)), op.name
            assert op.name in names or op.alias_of


def test_deprecated_alias_calls_the_real_operation() -> None:
    with respx.mock(base_url=BASE) as mock:
        answer = {"success": True, "results": {"id": "a"}}
        route = mock.post("/application.changeStage").respond(200, json=answer)
        with AshbyClient("k", base_url=BASE, rate_limit_per_minute=None) as client:
            app = client.application.change_stage(application_id="a", interview_stage_id="s")
        assert route.called and app.id == "a"
