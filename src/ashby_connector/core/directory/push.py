"""Provisioning a directory that has no identity provider: a users CSV pushed over SCIM 2.0.

The CSV is the whole directory. Each row is matched to a SCIM user by ``userName`` (the email,
case-insensitive): missing users are created, changed ones replaced, and SCIM users that are not in
the file (or whose row says ``active`` false) are deactivated, never deleted (Ashby keeps deactivated
users and their history). Running the same file twice changes nothing the second time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ashby_connector.core.directory.csv_input import CsvRowError, check_text, csv_rows

COLUMNS = ("email", "firstName", "lastName", "active")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}


@dataclass(frozen=True)
class DirectoryUser:
    email: str
    first_name: str
    last_name: str
    active: bool


@dataclass(frozen=True)
class ScimUser:
    """A user as the SCIM server holds it (``resource`` is the client's own object)."""

    id: str
    email: str
    first_name: str
    last_name: str
    active: bool
    resource: Any


@dataclass(frozen=True)
class Change:
    action: str  # create | update | deactivate | unchanged
    email: str
    detail: str = ""
    user: DirectoryUser | None = None
    existing: ScimUser | None = None


class ScimDirectory(Protocol):
    def users(self) -> list[ScimUser]: ...

    def create(self, user: DirectoryUser) -> None: ...

    def replace(self, existing: ScimUser, user: DirectoryUser) -> None: ...

    def deactivate(self, existing: ScimUser) -> None: ...


def read_users_csv(path: str | Path) -> list[DirectoryUser]:
    """Parse and check the whole file before anything is sent."""
    source = str(path)
    users: list[DirectoryUser] = []
    seen: dict[str, int] = {}
    for row_number, values in csv_rows(path, required=("email",), allowed=COLUMNS):
        email = values.get("email", "").lower()
        if not _EMAIL.match(email):
            raise CsvRowError(
                source, row_number, "email", f"not an email address: {values.get('email', '')!r}"
            )
        if email in seen:
            raise CsvRowError(source, row_number, "email", f"{email} is already on row {seen[email]}")
        seen[email] = row_number
        for field in ("firstName", "lastName"):
            check_text(source, row_number, field, values.get(field, ""), name=True)
        active_text = values.get("active", "").lower() or "true"
        if active_text not in _TRUE | _FALSE:
            raise CsvRowError(source, row_number, "active", f"use true or false, not {values['active']!r}")
        users.append(
            DirectoryUser(
                email, values.get("firstName", ""), values.get("lastName", ""), active_text in _TRUE
            )
        )
    return users


def plan(directory: Iterable[DirectoryUser], existing: Iterable[ScimUser]) -> list[Change]:
    """What the push does, in file order, then the deactivations of users not in the file."""
    by_email = {u.email.lower(): u for u in existing}
    changes: list[Change] = []
    listed: set[str] = set()
    for user in directory:
        listed.add(user.email)
        current = by_email.get(user.email)
        if current is None:
            if user.active:
                changes.append(Change("create", user.email, _describe(user), user=user))
            else:
                changes.append(Change("unchanged", user.email, "inactive, never provisioned", user=user))
            continue
        differences = list(_differences(current, user))
        if not differences:
            changes.append(Change("unchanged", user.email, user=user, existing=current))
        elif differences == ["active: true -> false"]:
            changes.append(
                Change("deactivate", user.email, "inactive in the file", user=user, existing=current)
            )
        else:
            changes.append(Change("update", user.email, "; ".join(differences), user=user, existing=current))
    for email, current in sorted(by_email.items()):
        if email not in listed and current.active:
            changes.append(Change("deactivate", email, "not in the file", existing=current))
    return changes


def apply(changes: Iterable[Change], directory: ScimDirectory) -> Iterator[Change]:
    """Make each change (yielding it once made), stopping at the first failure."""
    for change in changes:
        if change.action == "create" and change.user is not None:
            directory.create(change.user)
        elif change.action == "update" and change.user is not None and change.existing is not None:
            directory.replace(change.existing, change.user)
        elif change.action == "deactivate" and change.existing is not None:
            directory.deactivate(change.existing)
        yield change


def _describe(user: DirectoryUser) -> str:
    return " ".join(p for p in (user.first_name, user.last_name) if p)


def _differences(current: ScimUser, user: DirectoryUser) -> Iterator[str]:
    if user.first_name and current.first_name != user.first_name:
        yield f"firstName: {current.first_name!r} -> {user.first_name!r}"
    if user.last_name and current.last_name != user.last_name:
        yield f"lastName: {current.last_name!r} -> {user.last_name!r}"
    if current.active != user.active:
        yield f"active: {str(current.active).lower()} -> {str(user.active).lower()}"
