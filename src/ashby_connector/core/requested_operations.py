"""Requested operations, enforced: a connection that said what it will do can do only that.

A connection may carry requested operations (``genericContact::list``, ``atsJob::create``): what the
platform told the customer it would do with the key. When it does, every unified read and write,
every proxied Ashby call and every lazy read on its behalf must fall inside them; anything else is
refused with ``OperationNotRequested`` naming what to request. A connection without requested
operations keeps the behaviour it always had: anything the key allows.

The same module says the operations in plain words for the customer (the Connect page and the
connection's report), so what they are shown is exactly what is enforced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ashby_connector import unified
from ashby_connector.unified.registry import Write

ACTIONS = ("list", "retrieve", "create", "update", "delete")
# Ashby operations that reveal nothing about the account's people or jobs: the key's own info.
ALWAYS_ALLOWED = frozenset({"apiKey.info"})

# The records each model is about, as a customer would say it.
PLAIN_NOUNS: dict[str, str] = {
    "genericContact": "candidates",
    "atsCandidate": "candidates",
    "genericUser": "users (members of your organisation)",
    "genericWorkspace": "your organisation's brands",
    "scheduleCalendar": "interviewers' calendars",
    "scheduleEventType": "interview types",
    "scheduleEvent": "scheduled interviews",
    "atsJob": "jobs",
    "atsApplication": "applications",
    "atsApplicationStage": "interview stages",
    "atsOffer": "offers",
    "atsInterview": "scheduled interviews",
    "atsScorecard": "interview feedback",
    "atsNote": "candidate notes",
    "atsAttachment": "candidate files",
    "atsDepartment": "departments",
    "atsLocation": "locations",
    "atsRejectReason": "archive reasons",
    "atsTag": "candidate tags",
    "atsSource": "candidate sources",
    "atsEeoc": "candidates' EEOC survey answers (sensitive)",
}
_PLAIN_ACTIONS = {
    "list": "see all {noun}",
    "retrieve": "look up single {noun}",
    "create": "add {noun}",
    "update": "change {noun}",
    "delete": "remove or archive {noun}",
}


def plain_words(operation: str) -> str:
    """``genericContact::list`` -> ``see all candidates``; the entry itself when it is not ours."""
    model, _, action = operation.partition("::")
    template = _PLAIN_ACTIONS.get(action)
    if template is None:
        return operation
    return template.format(noun=PLAIN_NOUNS.get(model, model))


def ashby_operations(model: str, action: str) -> list[str]:
    """The Ashby operations behind one unified operation (empty when Ashby cannot do it)."""
    spec = unified.MODELS.get(model)
    if spec is None:
        return []
    if action in ("list", "retrieve") and spec.read_unavailable is not None:
        return []  # Ashby cannot answer it: requesting it allows no Ashby call
    if action == "list":
        return [spec.source]
    if action == "retrieve":
        return [spec.source] + ([spec.info[0]] if spec.info else [])
    write = spec.write(action)
    return list(write.operations) if isinstance(write, Write) else []


class OperationNotRequested(Exception):
    """Outside the connection's requested operations. ``request`` lists what would allow it."""

    def __init__(self, what: str, request: list[str]) -> None:
        self.what = what
        self.request = request
        if request:
            hint = "request " + " or ".join(request) + " for this connection"
        else:
            hint = "no requested operation covers it; use a connection without requested operations"
        super().__init__(f"{what} is not among this connection's requested operations; {hint}")


@dataclass(frozen=True)
class RequestedOperations:
    """The operations a connection requested; ``None`` means it did not say (no limit)."""

    requested: frozenset[str] | None

    @classmethod
    def of(cls, operations: Iterable[str] | None) -> RequestedOperations:
        return cls(None if operations is None else frozenset(operations))

    @property
    def enforced(self) -> bool:
        return self.requested is not None

    def allows(self, model: str, action: str) -> bool:
        return self.requested is None or f"{model}::{action}" in self.requested

    def require(self, model: str, action: str) -> None:
        """A unified read or write (``action`` one of ACTIONS) of ``model``."""
        if not self.allows(model, action):
            raise OperationNotRequested(f"{model}::{action}", [f"{model}::{action}"])

    def require_any(self, model: str, actions: Iterable[str]) -> None:
        """Reading ``model`` in a way several requested actions cover (expanding a relation)."""
        options = list(actions)
        if not any(self.allows(model, a) for a in options):
            raise OperationNotRequested(f"reading {model}", [f"{model}::{a}" for a in options])

    def ashby_allowed(self) -> frozenset[str] | None:
        """Every Ashby operation behind the requested operations (None: no limit)."""
        if self.requested is None:
            return None
        allowed = set(ALWAYS_ALLOWED)
        for entry in self.requested:
            model, _, action = entry.partition("::")
            allowed.update(ashby_operations(model, action))
        return frozenset(allowed)

    def require_ashby(self, operation: str) -> None:
        """A raw Ashby call (the proxy, a custom model's operation, a lazy read)."""
        allowed = self.ashby_allowed()
        if allowed is None or operation in allowed:
            return
        covering = [
            f"{spec.name}::{action}"
            for spec in unified.models()
            for action in ACTIONS
            if operation in ashby_operations(spec.name, action)
        ]
        raise OperationNotRequested(operation, covering[:6])
