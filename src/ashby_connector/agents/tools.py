"""The MCP server: tools over the local copy, records as resources, writes when asked for.

Tools are plain functions the SDK runs in a worker thread (the core is synchronous). Each finds
the connection it serves through ``scope`` (fixed for the command line, per request over HTTP),
calls the core, and turns the core's refusals into MCP tool errors that name the field or the
operation; anything unexpected is logged here and answered without its details.

The tool list is the calling connection's: a write tool is listed only when the server has writes
on and the connection requested the write's operation, whichever the transport (one HTTP server
answers every connection, so the list is made per request, not when the server is built).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

import anyio.to_thread
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from ashby_connector.core import ConnectionRow
from ashby_connector.core.app import Core
from ashby_connector.core.connections.requested_operations import OperationNotRequested, RequestedOperations
from ashby_connector.core.errors import AshbyError, CoreError
from ashby_connector.core.resources import records as res

log = logging.getLogger("ashby_connector.agents")

# Which connection a request is about: from the MCP request's context (HTTP) or fixed (stdio).
Scope = Callable[[ServerRequestContext[Any, Any]], ConnectionRow]
T = TypeVar("T")

READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=True)
# The writes an agent may make, each with the requested operation that allows it.
WRITES: dict[str, str] = {
    "add_note": "atsNote::create",
    "move_stage": "atsApplication::update",
    "add_tag": "atsCandidate::update",
}

INSTRUCTIONS = """Answers about one Ashby account from its local copy, kept current by syncs: no
request reaches Ashby (except a lazy child list a question needs, reported in ashbyRequests).
Every answer says how fresh it is (freshness.lastSuccessfulSync per list). Records are readable
as resources: ashby://{model}/{id}, e.g. ashby://atsCandidate/<id>."""


def tool_error(exc: Exception) -> ToolError:
    """The MCP error for a refusal: names the field or the operation, never a traceback."""
    if isinstance(exc, CoreError):
        where = f" (field: {exc.field})" if exc.field else ""
        return ToolError(f"{exc.code}: {exc.message}{where}")
    if isinstance(exc, OperationNotRequested):
        return ToolError(f"operation_not_requested: {exc}")
    if isinstance(exc, AshbyError):
        return ToolError(f"ashby_error: Ashby refused a request this answer needed: {exc}")
    log.exception("MCP tool failed")
    return ToolError("internal_error: the connector failed to answer; its log has the details")


def answering(fn: Callable[..., T]) -> Callable[..., T]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except ToolError:
            raise
        except Exception as exc:
            raise tool_error(exc) from None

    return wrapper


def hidden_writes(conn: ConnectionRow) -> set[str]:
    """The write tools this connection may not call: their operation is not among its requested."""
    requested = RequestedOperations.of(conn.operations)
    return {name for name, op in WRITES.items() if not requested.allows(*op.split("::", 1))}


class ConnectionsTools:
    """Middleware answering ``tools/list`` with the calling connection's tools: the write tools it
    did not request are left out. A call to one still reaches the tool, which refuses it naming
    the operation (the agent learns what to request)."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        result = await call_next(ctx)
        if ctx.method != "tools/list" or not isinstance(result, dict):
            return result
        try:
            hidden = hidden_writes(await anyio.to_thread.run_sync(self.scope, ctx))
        except Exception:  # the connection went away meanwhile: no write for anyone
            log.warning("MCP tools/list: the connection could not be read; write tools left out")
            hidden = set(WRITES)
        return {**result, "tools": [t for t in result.get("tools") or [] if t.get("name") not in hidden]}


def build_server(core: Core, scope: Scope, *, writes: bool) -> MCPServer:
    """The MCP server over ``core``. Write tools exist only with ``writes``, and each connection
    is listed only those its requested operations allow."""
    listing = ConnectionsTools(scope)
    mcp = _quietly_built(
        lambda: MCPServer("ashby-connector", instructions=INSTRUCTIONS, version="0.1.0", middleware=[listing])
    )
    insights = core.insights
    conn_of = _connection_getter(scope)

    @mcp.tool(annotations=READ)
    @answering
    def search_candidates(
        ctx: Context,
        query: Annotated[str | None, Field(description="Part of a name or an email address")] = None,
        tag: Annotated[str | None, Field(description="A tag's id or its exact title")] = None,
        limit: Annotated[int, Field(description="At most this many (1-200)")] = 20,
    ) -> dict[str, Any]:
        """Find candidates by name, email address or tag, from the local copy."""
        return insights.search_candidates(conn_of(ctx), query, tag, limit).to_dict()

    @mcp.tool(annotations=READ)
    @answering
    def candidate_timeline(ctx: Context, candidateId: str) -> dict[str, Any]:
        """A candidate's history in time order: applications, stage moves, interviews, feedback,
        notes and offers."""
        return insights.candidate_timeline(conn_of(ctx), candidateId).to_dict()

    @mcp.tool(annotations=READ)
    @answering
    def job_pipeline(ctx: Context, jobId: str) -> dict[str, Any]:
        """A job's pipeline: active applications per stage, median days in each stage, and the share
        of applications moving on from each stage."""
        return insights.job_pipeline(conn_of(ctx), jobId).to_dict()

    @mcp.tool(annotations=READ)
    @answering
    def stale_applications(
        ctx: Context,
        days: Annotated[int, Field(description="No stage move for at least this many days")] = 14,
        jobId: str | None = None,
        recruiterId: Annotated[str | None, Field(description="The recruiter's Ashby user id")] = None,
        limit: int = 50,
    ) -> dict[str, Any]:
        """Active applications with no stage move in N days, longest waiting first: across the
        connection, or of a job and/or a recruiter."""
        return insights.stale_applications(conn_of(ctx), days, jobId, recruiterId, limit).to_dict()

    @mcp.tool(annotations=READ)
    @answering
    def upcoming_interviews(
        ctx: Context,
        userId: Annotated[str | None, Field(description="An interviewer's Ashby user id")] = None,
        jobId: str | None = None,
        days: Annotated[int, Field(description="Look this many days ahead (1-365)")] = 14,
        limit: int = 50,
    ) -> dict[str, Any]:
        """Interviews coming up for an interviewer and/or a job, soonest first."""
        return insights.upcoming_interviews(conn_of(ctx), userId, jobId, days, limit).to_dict()

    @mcp.tool(annotations=READ)
    @answering
    def open_jobs(ctx: Context, limit: int = 100) -> dict[str, Any]:
        """Open jobs with their open openings."""
        return insights.open_jobs(conn_of(ctx), limit).to_dict()

    @mcp.tool(annotations=READ)
    @answering
    def pending_offers(
        ctx: Context, waitingOn: Literal["approval", "candidate", "any"] = "any", limit: int = 100
    ) -> dict[str, Any]:
        """Offers waiting for approval or for the candidate's answer, longest waiting first."""
        return insights.pending_offers(conn_of(ctx), waitingOn, limit).to_dict()

    @mcp.resource("ashby://{model}/{record_id}", mime_type="application/json")
    def record(model: str, record_id: str, ctx: Context) -> str:
        """One unified record (atsCandidate, atsApplication, atsJob, ...) as the REST API renders
        ``GET /resources/{model}/{id}``."""
        try:
            return json.dumps(read_record(core, conn_of(ctx), model, record_id))
        except Exception as exc:
            raise ResourceError(str(tool_error(exc))) from None

    if writes:
        for name, tool in _write_tools(core, scope).items():
            mcp.add_tool(tool, name=name, annotations=WRITE)
    return mcp


def _quietly_built(make: Callable[[], MCPServer]) -> MCPServer:
    """The SDK's server configures the root logger (``logging.basicConfig`` with its own handler)
    when built; the process's logging is its owner's (the server's JSON logs, the CLI's stderr)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        return make()
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def read_record(core: Core, conn: ConnectionRow, model: str, record_id: str) -> dict[str, Any]:
    """What ``GET /resources/{model}/{id}`` answers, under the same checks."""
    target = res.resolve_model(core.resources, conn, model)
    res.check_read(RequestedOperations.of(conn.operations), target, "retrieve", [])
    res.ensure_children(core.resources, conn, target, record_id)
    found = res.get_record(core.resources, conn, target, record_id)
    assert found is not None
    item = target.convert(found[1] or found[0], False)
    return {"data": item.model_dump(mode="json", exclude={"remoteData"})}


def _write(
    core: Core, conn: ConnectionRow, operation: str, rid: str | None, payload: dict[str, Any]
) -> dict[str, Any]:
    """A unified write through the core, as ``POST``/``PATCH /resources/{model}`` make it."""
    model, _, action = operation.partition("::")
    RequestedOperations.of(conn.operations).require(model, action)
    target = res.resolve_model(core.resources, conn, model)
    item, _ = res.write(core.resources, conn, target, action, rid, payload, set())
    return {"data": item.model_dump(mode="json", exclude={"remoteData"})}


def _connection_getter(scope: Scope) -> Callable[[Context], ConnectionRow]:
    def conn_of(ctx: Context) -> ConnectionRow:
        return scope(ctx.request_context)

    return conn_of


def _write_tools(core: Core, scope: Scope) -> dict[str, Callable[..., dict[str, Any]]]:
    conn_of = _connection_getter(scope)

    @answering
    def add_note(ctx: Context, candidateId: str, content: str, isPrivate: bool = False) -> dict[str, Any]:
        """Add a note to a candidate in Ashby."""
        payload = {"candidateId": candidateId, "content": content, "isPrivate": isPrivate}
        return _write(core, conn_of(ctx), WRITES["add_note"], None, payload)

    @answering
    def move_stage(ctx: Context, applicationId: str, stageId: str) -> dict[str, Any]:
        """Move an application to another stage of its interview plan in Ashby."""
        return _write(core, conn_of(ctx), WRITES["move_stage"], applicationId, {"stageId": stageId})

    @answering
    def add_tag(ctx: Context, candidateId: str, tagId: str) -> dict[str, Any]:
        """Add a tag (by its id) to a candidate in Ashby; the candidate's other tags stay."""
        conn = conn_of(ctx)
        target = res.resolve_model(core.resources, conn, "atsCandidate")
        found = res.get_record(core.resources, conn, target, candidateId, missing_ok=True)
        current = found[0].raw.get("tags") if found else None
        have = [t["id"] for t in current or [] if isinstance(t, dict) and isinstance(t.get("id"), str)]
        tags = [*have, tagId] if tagId not in have else have
        return _write(core, conn, WRITES["add_tag"], candidateId, {"tagIds": tags})

    return {"add_note": add_note, "move_stage": move_stage, "add_tag": add_tag}
