"""Requested operations, enforced: a connection that said what it will do can do only that.

A connection may carry requested operations (``genericContact::list``, ``atsJob::create``): what the
platform told the customer it would do with the key. When it does, every unified read and write,
every proxied Ashby call and every lazy read on its behalf must fall inside them; anything else is
refused with ``OperationNotRequested`` naming what to request. A connection without requested
operations keeps the behaviour it always had: anything the key allows.

The same module says the operations in plain words for the customer (the Connect page and the
connection's report), so what they are shown is exactly what is enforced.

``RequestedOperations.permits`` is the one decision: the server's routes, the proxy, lazy reads, a
sync's choice of lists (``sync_permits``), the unified events that go out (``reads_model``) and the
registration of Ashby webhooks (``WEBHOOKS``) all ask it, so nothing reaches past what the customer
was shown.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from ashby_connector import unified
from ashby_connector.refusals import Refusal
from ashby_connector.store.tenancy import Tenancy
from ashby_connector.sync.streams import all_streams
from ashby_connector.unified.registry import Write
from ashby_connector.webhooks.actions import kinds_of

ACTIONS = ("list", "retrieve", "create", "update", "delete")
READ_ACTIONS = ("list", "retrieve")
# Registering webhooks in the customer's Ashby (so changes reach us at once) is an operation of its
# own: the Connect page names it, and a connection that requested operations registers webhooks
# only when it is among them.
WEBHOOKS = "ashbyWebhooks::register"
WEBHOOK_OPERATIONS = ("webhook.create", "webhook.update", "webhook.info", "webhook.delete")
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
    "atsJobPosting": "job postings",
    "atsApplication": "applications",
    "atsApplicationStage": "interview stages",
    "atsActivity": "candidates' activity (stage moves and notes)",
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
    if operation == WEBHOOKS:
        return "register webhooks in your Ashby account, so changes reach us at once"
    model, _, action = operation.partition("::")
    template = _PLAIN_ACTIONS.get(action)
    if template is None:
        return operation
    return template.format(noun=PLAIN_NOUNS.get(model, model))


def ashby_operations(model: str, action: str) -> list[str]:
    """The Ashby operations behind one unified operation (empty when Ashby cannot do it)."""
    if f"{model}::{action}" == WEBHOOKS:
        return list(WEBHOOK_OPERATIONS)
    spec = unified.MODELS.get(model)
    if spec is None:
        return []
    if action in READ_ACTIONS and spec.read_unavailable is not None:
        return []  # Ashby cannot answer it: requesting it allows no Ashby call
    sources = [part.source for part in spec.parts()]
    if action == "list":
        return sources
    if action == "retrieve":
        return sources + ([spec.info[0]] if spec.info else [])
    write = spec.write(action)
    return list(write.operations) if isinstance(write, Write) else []


class OperationNotRequested(Refusal):
    """Outside the connection's requested operations (403). ``request`` lists what would allow it."""

    def __init__(self, what: str, request: list[str]) -> None:
        self.what = what
        self.request = request
        if request:
            hint = "request " + " or ".join(request) + " for this connection"
        else:
            hint = "no requested operation covers it; use a connection without requested operations"
        message = f"{what} is not among this connection's requested operations; {hint}"
        super().__init__(403, "operation_not_requested", message, None, operation=what, request=request)


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

    def permits(self, what: str) -> bool:
        """The one decision: may this connection do ``what``?

        ``what`` is a requested-operation entry (``atsJob::list``, ``WEBHOOKS``) or an Ashby
        operation (``job.list``): the latter is allowed when some requested entry calls it.
        """
        if self.requested is None:
            return True
        if "::" in what:
            return what in self.requested
        return what in _ashby_allowed(self.requested)

    def allows(self, model: str, action: str) -> bool:
        return self.permits(f"{model}::{action}")

    def reads_model(self, model: str) -> bool:
        """Reading ``model``'s records in any way (its events included) is allowed."""
        return any(self.permits(f"{model}::{a}") for a in READ_ACTIONS)

    def require(self, model: str, action: str) -> None:
        """A unified read or write (``action`` one of ACTIONS) of ``model``."""
        if not self.allows(model, action):
            raise OperationNotRequested(f"{model}::{action}", [f"{model}::{action}"])

    def require_any(self, model: str, actions: Iterable[str]) -> None:
        """Reading ``model`` in a way several requested actions cover (expanding a relation)."""
        options = list(actions)
        if not any(self.allows(model, a) for a in options):
            raise OperationNotRequested(f"reading {model}", [f"{model}::{a}" for a in options])

    def require_entry(self, entry: str) -> None:
        """An operation that is itself an entry (``WEBHOOKS``)."""
        if not self.permits(entry):
            raise OperationNotRequested(entry, [entry])

    def ashby_allowed(self) -> frozenset[str] | None:
        """Every Ashby operation behind the requested operations (None: no limit)."""
        return None if self.requested is None else _ashby_allowed(self.requested)

    def require_ashby(self, operation: str) -> None:
        """A raw Ashby call (the proxy, a custom model's operation, a lazy read, a report)."""
        if self.permits(operation):
            return
        covering = [
            f"{spec.name}::{action}"
            for spec in unified.models()
            for action in ACTIONS
            if operation in ashby_operations(spec.name, action)
        ]
        if operation in WEBHOOK_OPERATIONS:
            covering.append(WEBHOOKS)
        raise OperationNotRequested(operation, covering[:6])


def webhook_types(
    requested: RequestedOperations, asked: Iterable[str] | None, default: Iterable[str]
) -> list[str]:
    """The Ashby webhook types a connection may register: ``asked`` (or ``default``), each of which
    writes only lists the connection may read; registering at all needs ``WEBHOOKS``.

    Raises ``OperationNotRequested`` for an asked type outside them, or when none is left."""
    if not requested.enforced:
        return list(asked or default)
    requested.require_entry(WEBHOOKS)
    list_ops = {s.name: s.operation for s in all_streams()}

    def fits(action: str) -> bool:
        kinds = kinds_of(action)
        return bool(kinds) and all(requested.permits(list_ops.get(k, k)) for k in kinds)

    if asked:
        for action in asked:
            if not fits(action):
                needed = sorted({list_ops.get(k, k) for k in kinds_of(action)})
                raise OperationNotRequested(f"webhook type {action} (it writes {', '.join(needed)})", [])
        return list(asked)
    kept = [action for action in default if fits(action)]
    if not kept:
        raise OperationNotRequested("any Ashby webhook type (none carries only requested records)", [])
    return kept


def of_connection(tenancy: Tenancy, connection_id: str) -> RequestedOperations:
    """What a connection requested, for background paths (syncs, events) that know only its id.

    A connection that is not stored (the command line's own ``default`` copy) has no limit; the
    server's connections always are."""
    _, operations = tenancy.operations_of(connection_id)
    return RequestedOperations.of(operations)


@functools.lru_cache(maxsize=1024)
def _ashby_allowed(requested: frozenset[str]) -> frozenset[str]:
    allowed = set(ALWAYS_ALLOWED)
    for entry in requested:
        model, _, action = entry.partition("::")
        allowed.update(ashby_operations(model, action))
    return frozenset(allowed)
