"""Adding a user to a job's hiring team by email (the integration guide's scenario): find the user
with ``user.search``, resolve the role by id or title with ``hiringTeamRole.list``, then
``hiringTeam.addMember``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Added:
    user: dict[str, Any]
    role_id: str
    result: Any  # Ashby's answer to hiringTeam.addMember

    @property
    def name(self) -> str:
        """The user's first and last name ("" when Ashby has neither)."""
        return " ".join(str(self.user.get(k, "")) for k in ("firstName", "lastName")).strip()


def add_member(client: Any, email: str, job_id: str, role: str) -> Added | None:
    """Add the user with ``email`` to the job's hiring team as ``role`` (an id, or a role's title);
    None when Ashby has no user with that email. Ashby's errors propagate."""
    user = find_user(client, email)
    if user is None:
        return None
    role_id = role_id_of(client, role)
    result = client.call(
        "hiringTeam.addMember", {"jobId": job_id, "teamMemberId": user["id"], "roleId": role_id}
    )
    return Added(user, role_id, result)


def find_user(client: Any, email: str) -> dict[str, Any] | None:
    found = client.call("user.search", {"email": email})
    # Ashby answers one user object; tolerate a list too.
    if isinstance(found, list):
        found = found[0] if found else None
    return found if isinstance(found, dict) and found.get("id") else None


def role_id_of(client: Any, role: str) -> str:
    roles = client.call("hiringTeamRole.list", {"namesOnly": False})  # objects with ids
    for r in roles if isinstance(roles, list) else []:
        if isinstance(r, dict) and role in (r.get("id"), r.get("title"), r.get("name")):
            return str(r["id"])
    return role  # not a known title: pass it through as an id and let Ashby judge
