"""Connections: add a customer's Ashby key (checked with Ashby), rotate it, delete it completely.

Deleting is complete and immediate. In order: Ashby's webhook settings made for the connection are
removed with ``webhook.delete`` (those Ashby could not be reached for are queued and retried, and
the answer says so); then one transaction deletes the connection row first (every later write for
it, in any process, is refused by the store's connection guard, so a running sync stops writing)
and every other row of it in every table; the cached client and webhook secret are dropped; and
the call waits for this process's running sync of the connection to stop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ashby_connector import errors as ashby_errors
from ashby_connector.core.connections import access
from ashby_connector.core.connections.clients import ConnectionClients
from ashby_connector.core.errors import CoreError
from ashby_connector.core.resources.render_cache import RenderCache
from ashby_connector.core.syncs.runs import SyncRuns
from ashby_connector.store.secrets import SecretBox
from ashby_connector.store.tenancy import MAX_WRONG_KEYS, ConnectionRow, ConnectLink, Tenancy
from ashby_connector.webhooks.registration import RemovalOutcome
from ashby_connector.webhooks.service import WebhookService

MAX_ID = 64


@dataclass(frozen=True)
class KeyInfo:
    """What Ashby says about a key: its title and scopes (None: the key may not tell)."""

    title: str | None
    scopes: list[str] | None


@dataclass(frozen=True)
class Deletion:
    """What deleting a connection did."""

    rows: dict[str, int]
    webhooks: RemovalOutcome = field(default_factory=RemovalOutcome)

    @property
    def complete(self) -> bool:
        return not self.webhooks.pending

    def to_api(self) -> dict[str, Any]:
        return {"deleted": True, "complete": self.complete, "webhooks": self.webhooks.to_api()}


def refuse_ungrantable(operations: list[str], scopes: list[str] | None) -> None:
    """422 naming the first requested operation the key cannot grant: Ashby's API cannot do it,
    or the key lacks a permission it needs (a key that does not tell its scopes passes)."""
    report = access.operations_report(operations, scopes)
    for index, detail in enumerate(report["details"]):
        entry = detail["operation"]
        if not detail["supported"]:
            message = f"cannot grant {entry}: {detail['reason']}"
        elif detail["missingPermissions"]:
            missing = ", ".join(detail["missingPermissions"])
            message = f"cannot grant {entry}: the connection's Ashby key lacks {missing}"
        else:
            continue
        raise CoreError(422, "operation_not_grantable", message, f"operations[{index}]", operation=entry)


class Connections:
    def __init__(
        self,
        tenancy: Tenancy,
        box: SecretBox,
        clients: ConnectionClients,
        webhooks: WebhookService,
        syncs: SyncRuns,
        render_cache: RenderCache,
    ) -> None:
        self.tenancy = tenancy
        self.render_cache = render_cache
        self.box = box
        self.clients = clients
        self.webhooks = webhooks
        self.syncs = syncs

    # -- reading ---------------------------------------------------------------------------------
    def get(self, tenant_id: str, connection_id: str, field_name: str = "connection_id") -> ConnectionRow:
        """The tenant's connection; 404 alike for an unknown id and another tenant's (nothing leaks)."""
        row = self.tenancy.get_connection(tenant_id, connection_id) if len(connection_id) <= MAX_ID else None
        if row is None:
            raise CoreError(404, "connection_not_found", "no such connection", field_name)
        return row

    def authenticate(self, authorization: str | None) -> str:
        """The tenant behind ``Authorization: Bearer <platform key>`` (REST API and ``/mcp`` alike)."""
        if not authorization:
            raise CoreError(
                401, "missing_key", "send your platform key as 'Authorization: Bearer <key>'", "Authorization"
            )
        scheme, _, key = authorization.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key or len(key) > 200:
            message = "the Authorization header must be 'Bearer <key>'"
            raise CoreError(401, "invalid_key", message, "Authorization")
        tenant_id = self.tenancy.tenant_for_key(key)
        if tenant_id is None:
            raise CoreError(401, "invalid_key", "unknown or revoked platform key", "Authorization")
        return tenant_id

    def named(self, tenant_id: str, connection_id: str | None) -> ConnectionRow:
        """The tenant's connection a request names with ``X-Connection-Id``."""
        if not connection_id:
            raise CoreError(
                400,
                "missing_connection",
                "name the connection with the X-Connection-Id header",
                "X-Connection-Id",
            )
        return self.get(tenant_id, connection_id, "X-Connection-Id")

    def for_tenant(self, tenant_id: str) -> list[ConnectionRow]:
        return self.tenancy.list_connections(tenant_id)

    def all_ids(self) -> list[str]:
        """Every connection of every tenant (what a worker's scheduler keeps fresh)."""
        return self.tenancy.all_connection_ids()

    def find(self, connection_id: str) -> ConnectionRow | None:
        """Any tenant's connection (the caller checked it is the one it may see), or None."""
        return self.tenancy.find_connection(connection_id)

    def tenant_of_key(self, key: str) -> str | None:
        """The tenant of a platform key (the console's sign-in), or None for an unknown or revoked one."""
        return self.tenancy.tenant_for_key(key)

    def tenant_name(self, tenant_id: str) -> str | None:
        """The tenant's name while its platform key is not revoked, else None."""
        return self.tenancy.active_tenant_name(tenant_id)

    # -- creating and rotating -------------------------------------------------------------------
    def check_key(self, api_key: str) -> KeyInfo:
        """Ask Ashby who the key is (``apiKey.info``); a key Ashby rejects is refused here."""
        client = self.clients.for_key(api_key)
        try:
            info = client.call("apiKey.info", {})
        except ashby_errors.PermissionDeniedError:
            return KeyInfo(None, None)  # no apiKeysRead: the key works but will not tell its scopes
        except ashby_errors.APIConnectionError as exc:
            raise CoreError(502, "ashby_unreachable", f"cannot reach Ashby to check the key: {exc}") from None
        except ashby_errors.APIError:
            # Unknown, deactivated or malformed: whatever Ashby's words, the key cannot be used.
            raise CoreError(422, "invalid_ashby_key", "Ashby rejected this API key", "apiKey") from None
        info = info if isinstance(info, dict) else {}
        scopes, title = info.get("scopes"), info.get("title")
        return KeyInfo(
            title if isinstance(title, str) else None,
            [str(s) for s in scopes] if isinstance(scopes, list) else None,
        )

    @staticmethod
    def requested_operations(
        operations: list[str] | None, field_name: str = "operations"
    ) -> list[str] | None:
        """The requested ``model::action`` entries, checked against the model registry, de-duplicated."""
        if operations is None:
            return None
        for index, entry in enumerate(operations):
            try:
                access.check_entry(entry)
            except ValueError as exc:
                raise CoreError(422, "unknown_operation", str(exc), f"{field_name}[{index}]") from None
        return list(dict.fromkeys(operations))

    def create(
        self, tenant_id: str, owner_id: str, api_key: str, operations: list[str] | None = None
    ) -> ConnectionRow:
        operations = self.requested_operations(operations)
        info = self.check_key(api_key)
        return self.tenancy.create_connection(
            tenant_id, owner_id, self.box.encrypt(api_key), info.title, info.scopes, operations
        )

    def create_from_link(self, token: str, api_key: str) -> tuple[ConnectionRow, ConnectLink]:
        """The Connect page: a one-time link's tenant and owner get a connection with this key
        (returned with the link: what it asked for and where it sends the customer back)."""
        state, link = self.tenancy.connect_link_state(token)
        if state == "used":
            raise CoreError(409, "link_used", "this link was already used; ask for a new one", "token")
        if state == "spent":
            message = f"{MAX_WRONG_KEYS} wrong keys were tried with this link; ask for a new one"
            raise CoreError(409, "link_spent", message, "token")
        if link is None:
            raise CoreError(404, "link_not_found", "this link is unknown or expired", "token")
        if not api_key or len(api_key) > 500:
            raise CoreError(
                422, "invalid_request", "paste the Ashby API key (at most 500 characters)", "apiKey"
            )
        try:
            info = self.check_key(api_key)
        except CoreError as exc:
            if exc.code == "invalid_ashby_key" and self.tenancy.wrong_key_tried(token) >= MAX_WRONG_KEYS:
                exc.message += f"; {MAX_WRONG_KEYS} wrong keys were tried, so this link is spent"
                exc.args = (exc.message,)
            raise
        row = self.tenancy.create_connection(
            link.tenant_id, link.owner_id, self.box.encrypt(api_key), info.title, info.scopes, link.operations
        )
        if not self.tenancy.use_connect_link(token, row.id):
            self.tenancy.delete_connection(row.id)  # another submission won the race
            raise CoreError(409, "link_used", "this link was used by another submission", "token")
        return row, link

    def rotate(self, tenant_id: str, connection_id: str, api_key: str) -> ConnectionRow:
        """Replace the key; every user of the connection's client (here at once, other processes
        within a second) switches to the new one."""
        row = self.get(tenant_id, connection_id)
        info = self.check_key(api_key)
        self.tenancy.update_connection_key(row.id, self.box.encrypt(api_key), info.title, info.scopes)
        self.clients.forget(row.id)
        return self.get(tenant_id, connection_id)

    def update(
        self,
        tenant_id: str,
        connection_id: str,
        *,
        owner_id: str | None = None,
        operations: list[str] | None = None,
        clear_operations: bool = False,
    ) -> ConnectionRow:
        """Change the owner id or the requested operations. The key is asked again what it may do
        (``apiKey.info``); an operation the key cannot grant (Ashby cannot do it, or a permission
        is missing) is refused with 422 naming it, and nothing changes."""
        row = self.get(tenant_id, connection_id)
        operations = self.requested_operations(operations)
        info = self.check_key(self.box.decrypt(row.api_key_encrypted))
        if operations:
            refuse_ungrantable(operations, info.scopes)
        self.tenancy.update_connection_fields(
            row.id,
            owner_id=owner_id,
            operations=operations,
            clear_operations=clear_operations,
            title=info.title,
            scopes=info.scopes,
        )
        return self.get(tenant_id, connection_id)

    # -- deleting --------------------------------------------------------------------------------
    def delete(self, tenant_id: str, connection_id: str) -> Deletion:
        row = self.get(tenant_id, connection_id)
        return self.delete_row(row)

    def delete_row(self, row: ConnectionRow) -> Deletion:
        client = self.clients.get(row.id)
        removal = (
            self.webhooks.registry.remove_all(row.id, client, row.api_key_encrypted)
            if client is not None
            else RemovalOutcome()
        )
        rows = self.tenancy.delete_connection(row.id)
        self.clients.forget(row.id)
        self.webhooks.registry.forget(row.id)
        self.render_cache.forget_connection(row.id)
        self.syncs.wait_stopped(row.id)
        # A page the sync fetched before the delete cannot land (the store refuses writes for a
        # connection that no longer exists); anything it logged at its very end goes now.
        rows_after = self.tenancy.delete_connection(row.id)
        for table, n in rows_after.items():
            rows[table] = rows.get(table, 0) + n
        return Deletion(rows, removal)
