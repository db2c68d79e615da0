"""Reading and writing each tenant's Connect page branding (``server_tenant_branding``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ashby_connector.store.schema_tenancy import tenant_branding


class BrandingTable:
    """Reads and writes ``server_tenant_branding`` (one row per tenant)."""

    def __init__(self, engine: sa.Engine, begin: Any) -> None:
        self.engine = engine
        self.begin = begin

    def get(self, tenant_id: str) -> dict[str, Any] | None:
        t = tenant_branding
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(t.c.branding).where(t.c.tenant_id == tenant_id)).scalar()
        return dict(value) if isinstance(value, dict) else None

    def put(self, tenant_id: str, branding: dict[str, Any]) -> None:
        t = tenant_branding
        now = datetime.now(UTC)
        with self.begin() as conn:
            changed = conn.execute(
                sa.update(t).where(t.c.tenant_id == tenant_id).values(branding=branding, updated_at=now)
            )
            if changed.rowcount == 0:
                conn.execute(sa.insert(t).values(tenant_id=tenant_id, branding=branding, updated_at=now))
