"""The SCIM storage behind ``/scim/v2``: scim2-server's in-memory storage, mirrored into Ashby users.

The SCIM resources (what a SCIM client reads back) stay exactly as the client wrote them; each write
then applies what Ashby does with it to the organisation's ``user`` records, under the state's lock,
so ``user.list``, ``user.search`` and incremental syncs see the change at once.
"""

from __future__ import annotations

from typing import Any

from scim2_models import Resource, ResourceType
from scim2_server.memory import InMemoryStorage

from ashby_connector.emulator.records.state import State

# Ashby's lowest role; SCIM has no way to ask for another (no group-to-role mapping).
SCIM_ROLE = "Limited Access"


def _email(resource: Resource[Any]) -> str:
    user_name = str(getattr(resource, "user_name", "") or "")
    if "@" in user_name:
        return user_name.lower()
    emails = getattr(resource, "emails", None) or []
    primary = next((e for e in emails if getattr(e, "primary", False)), emails[0] if emails else None)
    value = getattr(primary, "value", None) if primary is not None else None
    return str(value or user_name).lower()


def _names(resource: Resource[Any], email: str) -> tuple[str, str]:
    name = getattr(resource, "name", None)
    first = str(getattr(name, "given_name", None) or "")
    last = str(getattr(name, "family_name", None) or "")
    if not first and not last:
        display = str(getattr(resource, "display_name", None) or email.split("@")[0])
        first, _, last = display.partition(" ")
    return first, last


def _active(resource: Resource[Any]) -> bool:
    return getattr(resource, "active", None) is not False


class AshbyDirectory(InMemoryStorage):
    """SCIM users, each linked to one Ashby user (by SCIM id)."""

    def __init__(self, state: State) -> None:
        super().__init__()
        self.state = state
        self.links: dict[str, str] = {}  # SCIM id -> Ashby user id

    def create(self, resource_type: ResourceType, resource: Resource[Any]) -> Resource[Any]:
        created = super().create(resource_type, resource)
        if created.id is not None:
            self.links[created.id] = self._provision(created)
        return created

    def update(
        self, resource_type: ResourceType, resource: Resource[Any], *, expected_version: str | None = None
    ) -> Resource[Any]:
        updated = super().update(resource_type, resource, expected_version=expected_version)
        ashby_id = self.links.get(str(updated.id))
        if ashby_id is not None:
            self._apply(ashby_id, updated)
        return updated

    def delete(
        self, resource_type: ResourceType, resource_id: str, *, expected_version: str | None = None
    ) -> None:
        super().delete(resource_type, resource_id, expected_version=expected_version)
        ashby_id = self.links.pop(resource_id, None)
        if ashby_id is not None:
            with self.state.lock:
                self._deactivate(ashby_id)  # Ashby keeps the user, deactivated

    # -- what Ashby does -----------------------------------------------------------------------
    def _provision(self, resource: Resource[Any]) -> str:
        email = _email(resource)
        with self.state.lock:
            existing = next(
                (u for u in self.state.iter("user") if str(u.get("email", "")).lower() == email), None
            )
            if existing is not None:
                # The directory takes over a user Ashby already has; the role stays as it is.
                self._apply(existing["id"], resource)
                return str(existing["id"])
            first, last = _names(resource, email)
            record = {
                "id": self.state.new_id(),
                "firstName": first,
                "lastName": last,
                "email": email,
                "globalRole": SCIM_ROLE,
                "isEnabled": _active(resource),
                "customFields": [],
            }
            self.state.put("user", record)
            return str(record["id"])

    def _apply(self, ashby_id: str, resource: Resource[Any]) -> None:
        with self.state.lock:
            user = self.state.get("user", ashby_id)
            if user is None:
                return
            email = _email(resource)
            first, last = _names(resource, email)
            was_enabled = user.get("isEnabled", True) is not False
            user.update(firstName=first, lastName=last, email=email, isEnabled=_active(resource))
            self.state.put("user", user)
            if was_enabled and not _active(resource):
                self._leave_pools(ashby_id)

    def _deactivate(self, ashby_id: str) -> None:
        user = self.state.get("user", ashby_id)
        if user is None:
            return
        if user.get("isEnabled", True) is not False:
            user["isEnabled"] = False
            self.state.put("user", user)
        self._leave_pools(ashby_id)

    def _leave_pools(self, ashby_id: str) -> None:
        """A deactivated user leaves every interviewer pool; scheduled interviews keep them."""
        for pool in list(self.state.iter("interviewerPool")):
            members = pool.get("qualifiedMembers") or []
            trainees = pool.get("trainees") or []
            kept = [m for m in members if m.get("id") != ashby_id]
            kept_trainees = [m for m in trainees if m.get("id") != ashby_id]
            if len(kept) != len(members) or len(kept_trainees) != len(trainees):
                pool["qualifiedMembers"] = kept
                pool["trainees"] = kept_trainees
                self.state.put("interviewerPool", pool)
