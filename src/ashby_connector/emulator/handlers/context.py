"""What a handler gets: the operation, the validated body, the state and the calling key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from ashby_connector.catalog import Operation
from ashby_connector.emulator.config import ApiKeyConfig
from ashby_connector.emulator.errors import ApiError, invalid_input, not_found
from ashby_connector.emulator.records.kind_store import Record
from ashby_connector.emulator.records.state import State


@dataclass
class UploadedFile:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Ctx:
    op: Operation
    body: dict[str, Any]
    state: State
    key: ApiKeyConfig
    request_id: str
    # Multipart operations: the non-file form fields are merged into ``body``; files land here.
    files: dict[str, UploadedFile] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def visible(self, kind: str, ident: str) -> bool:
        """Whether this key may see the record at all (the two toggles)."""
        ks = self.state.kinds[kind]
        if ident not in ks.data:
            return False
        if not self.key.allow_confidential and ident in ks.confidential:
            return False
        if not self.key.allow_private_fields and ident in ks.private:
            rec = ks.get(ident) or {}
            if rec.get("isPrivate") is True:
                return False
        return True

    def render(self, kind: str, ident: str) -> bytes:
        """The record's bytes as this key sees them (private custom fields stripped if needed)."""
        ks = self.state.kinds[kind]
        raw = ks.get_bytes(ident)
        if raw is None:
            raise KeyError(ident)
        if self.key.allow_private_fields or ident not in ks.private:
            return raw
        return orjson.dumps(strip_private(orjson.loads(raw)))

    def view(self, kind: str, ident: str) -> Record:
        rec: Record = orjson.loads(self.render(kind, ident))
        return rec

    def require(self, kind: str, ident: Any, *, code: str | None = None) -> Record:
        """The visible record, or Ashby's not-found error (hidden records are not found)."""
        if not isinstance(ident, str) or not self.visible(kind, ident):
            if code:
                raise ApiError(code, f"{kind} {ident} not found")
            raise not_found(kind, ident)
        return self.view(kind, ident)

    def arg(self, name: str, default: Any = None) -> Any:
        return self.body.get(name, default)

    def need(self, name: str) -> Any:
        if name not in self.body or self.body[name] is None:
            raise invalid_input(name, "is required")
        return self.body[name]


def strip_private(rec: Record) -> Record:
    fields = rec.get("customFields")
    if isinstance(fields, list):
        rec["customFields"] = [f for f in fields if not (isinstance(f, dict) and f.get("isPrivate"))]
    return rec
