"""Per-connection child policies: which child lists a connection's syncs fetch, and when.

A connection stores only the policies it changes (``{stream: policy}``); every other child list
keeps its default (``sync.policies.DEFAULT_CHILD_POLICIES``). Every sync the server runs for the
connection (scheduled, ``POST /syncs``, worker jobs) and every lazy read applies them; a change
takes effect at the next run. Any child list in the stream catalog can be set, with no change
here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ashby_connector.core.errors import CoreError
from ashby_connector.store import Store
from ashby_connector.store.tenancy import Tenancy
from ashby_connector.sync.policies import (
    POLICIES,
    ChildPolicy,
    ChildPolicyError,
    check_policies,
    child_lists,
    default_policy,
)

log = logging.getLogger(__name__)

FIELD = "childPolicies"


class ChildPolicies:
    def __init__(self, tenancy: Tenancy) -> None:
        self.tenancy = tenancy

    @classmethod
    def for_store(cls, store: Store) -> ChildPolicies:
        return cls(Tenancy(store))

    def overrides(self, connection_id: str) -> dict[str, ChildPolicy] | None:
        """What the connection sets (None: all defaults). An entry no longer valid (a child list
        that left the catalog) is skipped with a warning rather than failing every sync."""
        stored = self.tenancy.get_child_policies(connection_id)
        if not stored:
            return None
        out: dict[str, ChildPolicy] = {}
        for stream, policy in stored.items():
            try:
                out |= check_policies({stream: policy})
            except ChildPolicyError as exc:
                log.warning("connection %s: stored child policy ignored: %s", connection_id, exc)
        return out

    def effective(self, connection_id: str) -> dict[str, ChildPolicy]:
        """Every child list's policy for this connection."""
        return {s.name: default_policy(s.name) for s in child_lists()} | (self.overrides(connection_id) or {})

    def put(self, connection_id: str, policies: Mapping[str, str]) -> dict[str, Any]:
        """Replace what the connection sets (``{}``: back to every default). 422 names the child
        list or the policy that is wrong; nothing is stored then."""
        try:
            checked = check_policies(policies)
        except ChildPolicyError as exc:
            field = f"{FIELD}.{exc.stream}" if exc.stream else FIELD
            governed = exc.stream in {s.name for s in child_lists()}
            code = "invalid_child_policy" if governed else "unknown_child_list"
            raise CoreError(422, code, str(exc).removeprefix("children: "), field) from None
        if not self.tenancy.set_child_policies(connection_id, dict(checked)):
            raise CoreError(404, "connection_not_found", "no such connection", "connection_id")
        return self.to_api(connection_id)

    def to_api(self, connection_id: str) -> dict[str, Any]:
        overrides = self.overrides(connection_id) or {}
        streams = []
        for s in child_lists():
            default = default_policy(s.name)
            streams.append(
                {
                    "stream": s.name,
                    "parent": s.parent,
                    "operation": s.operation,
                    "policy": overrides.get(s.name, default),
                    "default": default,
                    "setBy": "connection" if s.name in overrides else "default",
                    # Asked once per parent (more only past 100 children), and only for parents
                    # whose ``parentHint`` field is set when there is one.
                    "parentHint": s.parent_hint,
                }
            )
        return {
            "connectionId": connection_id,
            FIELD: overrides,
            "policies": list(POLICIES),
            "streams": streams,
        }
