"""The assessment partner flow over HTTP: set-up, the partner endpoints Ashby calls, and the tenant's
``/assessments``. Thin: the core's ``AssessmentPartner`` and ``AssessmentReports`` do the work."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ashby_connector.core.app import Core
from ashby_connector.core.assessments.models import PartnerSetupIn, ProgressIn, ResultIn
from ashby_connector.core.errors import CoreError
from ashby_connector.server import answers as answers_
from ashby_connector.server.answers import answers
from ashby_connector.server.deps import CoreDep, Tenant

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=200, description="Retry with the same key: answered once"),
]


router = APIRouter(tags=["assessments"])


async def partner_endpoint(request: Request) -> Response:
    core: Core = request.app.state.core
    body = await request.body()
    answer = await run_in_threadpool(
        core.partner.handle,
        request.path_params["connection_id"],
        request.path_params["operation"],
        request.headers.get("authorization"),
        body,
    )
    headers = {"WWW-Authenticate": 'Basic realm="ashby-partner"'} if answer.status_code == 401 else None
    return Response(
        orjson.dumps(answer.body), answer.status_code, headers=headers, media_type="application/json"
    )


# Ashby authenticates with the partner key (HTTP Basic), not a platform key: a plain route.
router.add_route(
    "/partner/ashby/{connection_id}/{operation}",
    partner_endpoint,
    methods=["POST"],
    include_in_schema=False,
)


def partner_url(request: Request, connection_id: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/partner/ashby/{connection_id}"


@router.post(
    "/connections/{connection_id}/assessment-partner",
    status_code=201,
    summary="Make the connection an Ashby assessment partner (the key is shown once)",
    **answers(answers_.PartnerSetUp, 201),
)
def set_up(
    connection_id: str, body: PartnerSetupIn, request: Request, core: CoreDep, tenant_id: Tenant
) -> dict[str, Any]:
    row = core.connections.get(tenant_id, connection_id)
    key, types = core.partner.set_up(row.id, body)
    return {
        "partnerUrl": partner_url(request, row.id),
        "partnerKey": key,
        "assessmentTypes": types,
        "customFields": [f.model_dump(exclude_none=True) for f in body.customFields or []] or None,
        "partnerId": body.partnerId,
    }


@router.post(
    "/connections/{connection_id}/assessment-partner/rotate-key",
    summary="A new partner key (shown once); assessment types and assessments are kept",
    **answers(answers_.PartnerSetUp),
)
def rotate_partner_key(
    connection_id: str, request: Request, core: CoreDep, tenant_id: Tenant
) -> dict[str, Any]:
    row = core.connections.get(tenant_id, connection_id)
    key = core.partner.rotate_key(row.id)
    if key is None:
        raise _not_a_partner()
    return {"partnerUrl": partner_url(request, row.id), "partnerKey": key}


@router.get(
    "/connections/{connection_id}/assessment-partner",
    summary="The partner set-up (no key)",
    **answers(answers_.PartnerSetUp),
)
def get_set_up(connection_id: str, request: Request, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    row = core.connections.get(tenant_id, connection_id)
    described = core.partner.describe(row.id)
    if described is None:
        raise _not_a_partner()
    return {"partnerUrl": partner_url(request, row.id), **described}


@router.delete(
    "/connections/{connection_id}/assessment-partner", status_code=204, summary="Stop being a partner"
)
def remove(connection_id: str, core: CoreDep, tenant_id: Tenant) -> Response:
    row = core.connections.get(tenant_id, connection_id)
    if not core.partner.remove(row.id):
        raise _not_a_partner()
    return Response(status_code=204)


@router.get(
    "/assessments", summary="Assessments Ashby started or you reported", **answers(answers_.AssessmentList)
)
def list_assessments(
    core: CoreDep,
    tenant_id: Tenant,
    connection_id: Annotated[str | None, Query(alias="connectionId", max_length=64)] = None,
    status: Annotated[
        str | None, Query(max_length=32, description="Started, InProgress, Completed, Cancelled")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> dict[str, Any]:
    ids = (
        None if connection_id is None else [core.connections.get(tenant_id, connection_id, "connectionId").id]
    )
    return core.tenant_assessments.page(tenant_id, ids, status=status, cursor=cursor, limit=limit)


@router.get(
    "/assessments/{assessment_id}",
    summary="One assessment, with its delivery into Ashby",
    **answers(answers_.Assessment),
)
def get_assessment(assessment_id: str, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    return core.tenant_assessments.view(tenant_id, assessment_id)


@router.post(
    "/assessments/{assessment_id}/progress",
    summary="Tell Ashby how the assessment is going",
    **answers(answers_.Assessment),
)
def progress(
    assessment_id: str,
    body: ProgressIn,
    core: CoreDep,
    tenant_id: Tenant,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    status, answer = core.tenant_assessments.progress(tenant_id, assessment_id, body, idempotency_key)
    return JSONResponse(answer, status_code=status)


@router.post(
    "/assessments/{assessment_id}/result",
    summary="Give Ashby the assessment's result",
    **answers(answers_.Assessment),
)
def result(
    assessment_id: str,
    body: ResultIn,
    core: CoreDep,
    tenant_id: Tenant,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    status, answer = core.tenant_assessments.result(tenant_id, assessment_id, body, idempotency_key)
    return JSONResponse(answer, status_code=status)


def _not_a_partner() -> CoreError:
    return CoreError(404, "not_a_partner", "the connection is not an assessment partner", "connection_id")
