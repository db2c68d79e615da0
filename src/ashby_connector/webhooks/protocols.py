"""What the webhooks part needs from the others, as small protocols (the store's is
``store_records.StoreRecords``; unit tests pass in-memory fakes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ashby_connector.store import Change, ChangeCallback, ChangeCallbackFor


@dataclass(frozen=True, slots=True)
class RecordVersion:
    """A record as the processor compares it: its raw JSON and whether it is marked deleted."""

    raw: dict[str, Any]
    deleted: bool


class RecordStore(Protocol):
    """The store, as the inbox processor sees it."""

    def get_record(self, connection_id: str, kind: str, record_id: str) -> RecordVersion | None: ...

    def get_records(self, connection_id: str, kind: str, record_ids: list[str]) -> dict[str, RecordVersion]:
        """The records of ``record_ids`` that exist (deleted ones included), by id: one query."""
        ...

    def put_record(self, connection_id: str, kind: str, raw: dict[str, Any]) -> None: ...

    def delete_record(self, connection_id: str, kind: str, record_id: str) -> None: ...

    def put_records(self, connection_id: str, kind: str, raws: list[dict[str, Any]]) -> None: ...

    def delete_records(self, connection_id: str, kind: str, record_ids: list[str]) -> None: ...

    def find_records(self, connection_id: str, kind: str, path: str, value: str) -> list[dict[str, Any]]:
        """Live records whose JSON value at dotted ``path`` equals ``value`` (``candidate.id``)."""
        ...


class AshbyCaller(Protocol):
    """The slice of ``AshbyClient`` the processor and registration use."""

    def call(self, operation: str, body: dict[str, Any] | None = None) -> Any: ...


# connection id -> its Ashby client, or None when the connection does not exist (any more).
ClientFactory = Callable[[str], AshbyCaller | None]
# An Ashby key -> a client with it (removing the settings of a connection deleted meanwhile).
KeyClientFactory = Callable[[str], AshbyCaller]

__all__ = [
    "AshbyCaller",
    "Change",
    "ChangeCallback",
    "ChangeCallbackFor",
    "ClientFactory",
    "KeyClientFactory",
    "RecordStore",
    "RecordVersion",
]
