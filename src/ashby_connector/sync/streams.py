"""Streams: one per catalog list operation, with how it can be synced."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Literal

from ashby_connector import catalog
from ashby_connector.store.kinds import CHILD_PARENTS, EXPANDED_CHILDREN, KIND_OPERATIONS

Strategy = Literal["incremental", "cursor", "plain"]


@dataclass(frozen=True)
class Stream:
    """A stream is named after the kind it stores (``candidate``, ``candidateNote``)."""

    name: str
    operation: str
    strategy: Strategy  # syncToken lists, cursor-only lists, lists returned whole
    permission: str | None
    parent: str | None = None  # child lists: fetched per changed parent record
    parent_field: str | None = None
    # Lists Ashby only answers per value of a field (surveyType): one sub-run per value, each
    # with its own state row ``<stream>:<value>``.
    partitions: tuple[tuple[str, str], ...] = ()
    # Request fields every page carries: a whole copy includes archived and disabled records.
    base_body: tuple[tuple[str, object], ...] = ()
    # Derived child lists: the parent's records embed them whole under this field, so they are
    # stored from the parent's pages and cost no request of their own.
    embedded_field: str | None = None
    # A field of the parent that is empty when the parent has none of these children: such parents
    # are not asked (the fan-out skips them).
    parent_hint: str | None = None
    # Child lists read from one parent's single-record read (``application.info`` with an
    # ``expand``): the children are this field of the answer, not the answer itself.
    results_field: str | None = None

    @property
    def kind(self) -> str:
        return self.name

    @property
    def paginated(self) -> bool:
        return self.strategy != "plain"

    @property
    def derived(self) -> bool:
        return self.embedded_field is not None

    @property
    def fans_out(self) -> bool:
        """A child list that costs one request per parent (at least)."""
        return self.parent is not None and not self.derived

    def records(self, results: list[Any]) -> list[dict[str, Any]]:
        """The records of one page's results (a parent's children under ``results_field``)."""
        if self.results_field is None:
            return [r if isinstance(r, dict) else {"id": str(r), "value": r} for r in results]
        field = self.results_field
        return [
            child
            for result in results
            if isinstance(result, dict)
            for child in (result.get(field) or [])
            if isinstance(child, dict)
        ]


def _strategy(pagination: str) -> Strategy:
    return {"cursor+syncToken": "incremental", "cursor": "cursor"}.get(pagination, "plain")  # type: ignore[return-value]


# Ashby requires surveyType on these lists although the spec marks it optional.
PARTITION_FIELDS = {"surveyRequest.list": "surveyType", "surveySubmission.list": "surveyType"}
# Survey answers about protected characteristics: only ever read through their own model (atsEeoc).
SENSITIVE_SURVEY_TYPES = frozenset({"EEOC", "Diversity"})


def _partitions(op: catalog.Operation) -> tuple[tuple[str, str], ...]:
    field = PARTITION_FIELDS.get(op.name)
    if field is None:
        return ()
    # Sensitive survey answers are never synced by default (the current spec lists none of them).
    return tuple((field, v) for v in op.enum_values(field) if v not in SENSITIVE_SURVEY_TYPES)


# Flags that widen a list to everything the account holds.
INCLUDE_ALL = ("includeArchived", "includeDeactivated", "includeDisabled", "includeArchivedPools")


def _base_body(op: catalog.Operation) -> tuple[tuple[str, object], ...]:
    props = op.request_properties
    body: list[tuple[str, object]] = [(f, True) for f in INCLUDE_ALL if f in props]
    if "namesOnly" in props:  # hiringTeamRole.list answers bare names unless told otherwise
        body.append(("namesOnly", False))
    return tuple(body)


# Children the spec embeds whole in their parent's list results (the same fields as their own list):
# interviewSchedule.list returns each schedule's interviewEvents.
EMBEDDED_CHILDREN: dict[str, str] = {"interviewEvent": "interviewEvents"}

# Parent fields that are empty exactly when the parent has none of a child list: a candidate's
# fraudStatus is null until fraud signals were detected or someone set it, and only then can
# candidate.listFraudChecks return anything.
PARENT_HINTS: dict[str, str] = {"candidateFraudCheck": "fraudStatus"}


def all_streams() -> list[Stream]:
    """Every stream of the catalog (a new list each call; the streams are built once)."""
    return list(_catalog_streams())


@functools.cache
def _catalog_streams() -> tuple[Stream, ...]:
    out = []
    for kind, name in KIND_OPERATIONS.items():
        op = catalog.operation(name)
        parent, field = CHILD_PARENTS.get(kind, (None, None))
        out.append(
            Stream(
                kind,
                name,
                _strategy(op.pagination),
                op.permission,
                parent,
                field,
                _partitions(op),
                _base_body(op),
                EMBEDDED_CHILDREN.get(kind),
                PARENT_HINTS.get(kind),
            )
        )
    for kind, (name, field) in EXPANDED_CHILDREN.items():
        parent, parent_field = CHILD_PARENTS[kind]
        op = catalog.operation(name)
        expand = (("expand", (field,)),)
        out.append(
            Stream(
                kind,
                name,
                "plain",
                op.permission,
                parent,
                parent_field,
                base_body=expand,
                results_field=field,
            )
        )
    return tuple(out)


def select_streams(names: list[str] | None) -> list[Stream]:
    """Streams by kind (``candidate``) or operation (``candidate.list``); all when None.

    A child stream is only useful with its parent's rows, so naming a child keeps it and its
    parent runs only if named too (the child then reads parents already in the store).
    """
    streams = all_streams()
    if not names:
        return streams
    by_name = {s.name: s for s in streams} | {s.operation: s for s in streams}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise ValueError(
            f"unknown stream(s): {', '.join(unknown)}; known: {', '.join(s.name for s in streams)}"
        )
    chosen = {by_name[n].name for n in names}
    return [s for s in streams if s.name in chosen]
