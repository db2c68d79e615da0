"""Connect links: one-time links where a platform's customer pastes their own Ashby key.

A link is created for one owner with what it will ask for and where it sends the customer back
(one of the tenant's allowed URLs); the page opens it, and ``Connections.create_from_link`` spends
it. Only a hash of the token is stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ashby_connector.core.connections.branding import Brandings
from ashby_connector.core.connections.lifecycle import Connections
from ashby_connector.store.tenancy import ConnectLink, LinkState, Tenancy
from ashby_connector.times import iso, utcnow

__all__ = ["ConnectLink", "ConnectLinks"]


class ConnectLinks:
    def __init__(self, tenancy: Tenancy, connections: Connections, brandings: Brandings) -> None:
        self.tenancy = tenancy
        self.connections = connections
        self.brandings = brandings

    def create(
        self,
        tenant_id: str,
        owner_id: str,
        *,
        expires_in_minutes: int,
        operations: list[str] | None = None,
        redirect_url: str | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """The link's token and what the API answers about it (``ownerId``, ``expiresAt``,
        ``operations``, ``redirectUrl``). Refused (422 naming the field) for an unknown requested
        operation or a redirect URL the tenant did not allow."""
        checked = self.connections.requested_operations(operations)
        if redirect_url is not None:
            self.brandings.check_redirect(tenant_id, redirect_url)
        expires = utcnow() + timedelta(minutes=expires_in_minutes)
        token = self.tenancy.create_connect_link(tenant_id, owner_id, expires, checked, redirect_url)
        return token, {
            "ownerId": owner_id,
            "expiresAt": iso(expires),
            "operations": checked,
            "redirectUrl": redirect_url,
        }

    def open(self, token: str) -> ConnectLink | None:
        """A link that exists, has not expired, was not used and is not spent."""
        return self.tenancy.open_connect_link(token)

    def state(self, token: str) -> LinkState:
        """``open``, ``used``, ``spent`` (too many wrong keys), ``expired`` or ``unknown``."""
        return self.tenancy.connect_link_state(token)[0]
