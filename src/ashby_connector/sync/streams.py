"""Streams: one per catalog list operation, with how it can be synced."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ashby_connector import catalog
from ashby_connector.store.kinds import CHILD_PARENTS, KIND_OPERATIONS

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

    @property
    def kind(self) -> str:
        return self.name

    @property
    def paginated(self) -> bool:
        return self.strategy != "plain"


def _strategy(pagination: str) -> Strategy:
    return {"cursor+syncToken": "incremental", "cursor": "cursor"}.get(pagination, "plain")  # type: ignore[return-value]


def all_streams() -> list[Stream]:
    out = []
    for kind, name in KIND_OPERATIONS.items():
        op = catalog.operation(name)
        parent, field = CHILD_PARENTS.get(kind, (None, None))
        out.append(Stream(kind, name, _strategy(op.pagination), op.permission, parent, field))
    return out


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
