"""``/connections/{id}/users/role-gaps``: the role-gap report over the connection's synced users.

The desired roles travel in the request body. A GET with a body is what the report is (a read that
changes nothing Ashby holds), but some clients and proxies drop GET bodies, so the same report also
answers ``POST``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from ashby_connector.core.directory.role_gaps import desired_roles_of
from ashby_connector.server import answers as answers_
from ashby_connector.server.answers import answers
from ashby_connector.server.deps import CoreDep, Tenant, requested

router = APIRouter(tags=["users"])


class DesiredRoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=1, max_length=320)
    role: str = Field(min_length=1, max_length=100, description="Organization Admin, Elevated Access, ...")


class RoleGapsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    desired: list[DesiredRoleIn] = Field(max_length=50_000, description="From an IdP group export")


def _report(connection_id: str, body: RoleGapsIn, core: CoreDep, tenant_id: str) -> dict[str, Any]:
    row = core.connections.get(tenant_id, connection_id)
    # The report names Ashby's users, their emails and roles: reading users must be requested.
    requested(row).require("genericUser", "list")
    wanted = desired_roles_of((d.email, d.role) for d in body.desired)
    return core.role_gaps.report(row.id, wanted)


@router.get(
    "/connections/{connection_id}/users/role-gaps",
    summary="Users whose Ashby role differs",
    **answers(answers_.RoleGaps),
)
def role_gaps(connection_id: str, body: RoleGapsIn, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    """Which users' ``globalRole`` differs from the desired one, what to change by hand in Ashby (the
    API cannot set roles), and which users are new since the last sync."""
    return _report(connection_id, body, core, tenant_id)


@router.post(
    "/connections/{connection_id}/users/role-gaps",
    summary="The same, for clients without GET bodies",
    **answers(answers_.RoleGaps),
)
def role_gaps_post(connection_id: str, body: RoleGapsIn, core: CoreDep, tenant_id: Tenant) -> dict[str, Any]:
    return _report(connection_id, body, core, tenant_id)
