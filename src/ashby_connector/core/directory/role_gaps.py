"""Role gaps: which Ashby users' ``globalRole`` differs from what the identity provider's groups say.

SCIM creates every Ashby user "Limited Access" and Ashby has no group-to-role mapping; neither SCIM
nor the API can set a role. So the report only says what to change by hand in Ashby (Admin >
Users), from an IdP group export (email, desired role) and the local copy of Ashby's users (after a
sync), plus the users the latest sync brought in (the ones most likely to need a role).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ashby_connector.core.directory.csv_input import CsvRowError, check_text, csv_rows
from ashby_connector.core.errors import CoreError
from ashby_connector.store import Store
from ashby_connector.store.directory import DirectorySeen
from ashby_connector.times import iso

ROLES = ("Organization Admin", "Elevated Access", "Limited Access", "External Recruiter")
# The spec's values, and the camelCase spellings IdP exports and Ashby's docs also use.
_ROLE_NAMES = {r.lower(): r for r in ROLES} | {
    "organizationadmin": "Organization Admin",
    "elevatedaccess": "Elevated Access",
    "limitedaccess": "Limited Access",
    "externalrecruiter": "External Recruiter",
}
USER_KIND = "user"
NOT_SETTABLE = "Ashby's API and SCIM cannot set roles: change them by hand in Ashby (Admin > Users)."


@dataclass(frozen=True)
class DesiredRole:
    email: str
    role: str


def canonical_role(value: str) -> str | None:
    return _ROLE_NAMES.get(value.strip().lower().replace("_", "").replace("-", "")) or _ROLE_NAMES.get(
        value.strip().lower()
    )


def desired_roles(rows: Iterable[tuple[int, str, str]], source: str) -> list[DesiredRole]:
    """``(row number, email, role)`` triples checked: a known role, one row per email."""
    out: list[DesiredRole] = []
    seen: dict[str, int] = {}
    for row, email_text, role_text in rows:
        check_text(source, row, "email", email_text)
        check_text(source, row, "role", role_text)
        email = email_text.strip().lower()
        if "@" not in email:
            raise CsvRowError(source, row, "email", f"not an email address: {email_text!r}")
        if email in seen:
            raise CsvRowError(source, row, "email", f"{email} is already on row {seen[email]}")
        seen[email] = row
        role = canonical_role(role_text)
        if role is None:
            raise CsvRowError(source, row, "role", f"unknown role {role_text!r} (use {', '.join(ROLES)})")
        out.append(DesiredRole(email, role))
    return out


def read_desired_roles_csv(path: str | Path) -> list[DesiredRole]:
    """An IdP group export: columns ``email`` and ``role``."""
    rows = csv_rows(path, required=("email", "role"), allowed=("email", "role"))
    return desired_roles(((n, r.get("email", ""), r.get("role", "")) for n, r in rows), str(path))


def _name(user: dict[str, Any]) -> str:
    return " ".join(str(user.get(k) or "") for k in ("firstName", "lastName")).strip() or str(
        user.get("email")
    )


def _user_out(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "userId": user.get("id"),
        "email": user.get("email"),
        "name": _name(user),
        "globalRole": user.get("globalRole"),
        "isEnabled": user.get("isEnabled", True) is not False,
    }


def desired_roles_of(entries: Iterable[tuple[str, str]], field: str = "desired") -> list[DesiredRole]:
    """The ``(email, role)`` entries of an API body checked as ``desired_roles`` checks a CSV's rows;
    a bad one is a 422 naming it (``desired[3].role``)."""
    try:
        return desired_roles(((i, email, role) for i, (email, role) in enumerate(entries)), field)
    except CsvRowError as exc:
        message = str(exc).split(": ", 2)[-1]
        raise CoreError(422, "invalid_request", message, f"{field}[{exc.row}].{exc.field}") from None


class RoleGapReport:
    """Built from the store (the connection's synced ``user`` records)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.seen = DirectorySeen(store)

    def users(self, connection_id: str) -> list[dict[str, Any]]:
        users: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.store.list(connection_id, USER_KIND, cursor=cursor, limit=500)
            users.extend(r.raw for r in page.records)
            if not page.next_cursor:
                return users
            cursor = page.next_cursor

    def last_user_sync(self, connection_id: str) -> Any:
        for state in self.store.stream_states(connection_id):
            if state.stream in (USER_KIND, "user.list"):
                return state.last_success_at
        return None

    def report(self, connection_id: str, desired: list[DesiredRole]) -> dict[str, Any]:
        users = self.users(connection_id)
        last_sync = self.last_user_sync(connection_id)
        new_ids = self.seen.new_since_last_sync(connection_id, [str(u["id"]) for u in users], last_sync)
        by_email = {str(u.get("email", "")).lower(): u for u in users}
        wanted = {d.email: d.role for d in desired}
        gaps: list[dict[str, Any]] = []
        deactivated: list[dict[str, Any]] = []
        missing: list[dict[str, Any]] = []
        matching = 0
        for want in desired:
            user = by_email.get(want.email)
            if user is None:
                missing.append({"email": want.email, "desiredRole": want.role,
                                "action": "not an Ashby user: provision them (SCIM) first"})  # fmt: skip
                continue
            if user.get("isEnabled", True) is False:
                action = "deactivated in Ashby: reactivate them in the directory first"
                deactivated.append({**_user_out(user), "desiredRole": want.role, "action": action})
                continue
            if user.get("globalRole") == want.role:
                matching += 1
                continue
            gaps.append(
                {
                    **_user_out(user),
                    "desiredRole": want.role,
                    "action": f"In Ashby, Admin > Users > {_name(user)}: change Global Role from "
                    f"{user.get('globalRole')} to {want.role}",
                }
            )
        new_users = [
            {**_user_out(u), "desiredRole": wanted.get(str(u.get("email", "")).lower())}
            for u in users
            if str(u["id"]) in new_ids
        ]
        return {
            "connectionId": connection_id,
            "lastUserSync": iso(last_sync),
            "users": len(users),
            "matching": matching,
            "gaps": sorted(gaps, key=lambda g: str(g["email"])),
            "deactivated": sorted(deactivated, key=lambda g: str(g["email"])),
            "missing": sorted(missing, key=lambda g: str(g["email"])),
            "newSinceLastSync": sorted(new_users, key=lambda g: str(g["email"])),
            "note": NOT_SETTABLE,
        }
