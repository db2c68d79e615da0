"""What the webhooks part needs from the others, as small protocols (the real ones are adapted in
``adapters.py``; unit tests pass in-memory fakes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

Change = Literal["created", "updated", "deleted"]


@dataclass(frozen=True, slots=True)
class StoredRecord:
    raw: dict[str, Any]
    deleted: bool


class RecordStore(Protocol):
    """The store, as the inbox processor sees it."""

    def get_record(self, connection_id: str, kind: str, record_id: str) -> StoredRecord | None: ...

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


class SecretBox(Protocol):
    """Encrypts secrets at rest (the server's Fernet box)."""

    def encrypt(self, plaintext: str) -> str: ...

    def decrypt(self, token: str) -> str: ...


# (connection_id, ashby kind, raw record, change): what both the processor and sync report.
ChangeSink = Callable[[str, str, dict[str, Any], Change], object]
ClientFactory = Callable[[str], AshbyCaller | None]
