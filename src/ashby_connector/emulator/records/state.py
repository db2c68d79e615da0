"""The organisation's state: records of every kind, API keys, clock, and the event hook.

Handlers read and write through ``State`` only. Writes go through ``put`` so they bump
``updatedAt``, take the next change sequence (visible to incremental sync) and refresh the cached
bytes. ``emit`` publishes webhook events to subscribers (the webhook sender subscribes).
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson

from ashby_connector.emulator.config import ApiKeyConfig, EmulatorConfig
from ashby_connector.emulator.records.kind_store import KindStore, Record
from ashby_connector.emulator.records.kinds import KINDS, list_item_schema, record_schema
from ashby_connector.emulator.records.schema import Filler, properties

EventListener = Callable[[str, dict[str, Any], str], None]

# Organisations this big keep records deflated (``EmulatorConfig.compress_records=None``). Below it,
# plain rows keep generation fast (100,000 candidates in about 11 s instead of 26 s); above it,
# memory matters more (1,000,000 candidates: 5.8 GB instead of 11.1 GB).
COMPRESS_FROM_CANDIDATES = 500_000


_DAY_PREFIX: dict[int, str] = {}


def iso_ms(ts: float) -> str:
    """ISO-8601 UTC with milliseconds and ``Z``, as Ashby writes timestamps.

    Called millions of times by the generator: the date part is cached per day and the time of
    day is plain arithmetic (strftime dominated generation time).
    """
    ms = int(ts * 1000)
    day, rem = divmod(ms, 86_400_000)
    prefix = _DAY_PREFIX.get(day)
    if prefix is None:
        prefix = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%dT")
        _DAY_PREFIX[day] = prefix
    secs, milli = divmod(rem, 1000)
    hours, secs = divmod(secs, 3600)
    minutes, secs = divmod(secs, 60)
    return f"{prefix}{hours:02d}:{minutes:02d}:{secs:02d}.{milli:03d}Z"


def random_uuid4(bits: int) -> str:
    """A version-4 UUID string from 128 random bits (as ``uuid.UUID(int=..., version=4)``)."""
    bits = (bits & ~(0xF000 << 64)) | (4 << 76)
    bits = (bits & ~(0xC000 << 48)) | (0x8000 << 48)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class State:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.rng = random.Random(config.seed)
        self.seq = 0
        compress = config.compress_records
        if compress is None:
            compress = config.candidates >= COMPRESS_FROM_CANDIDATES
        self.kinds: dict[str, KindStore] = {name: KindStore(name, compress=compress) for name in KINDS}
        self.keys: dict[str, ApiKeyConfig] = {}
        self.listeners: list[EventListener] = []
        self.tokens_valid_after = 0.0  # tokens issued before this wall time are expired
        # The same per list operation (``expire_tokens {"kinds": [...]}``): one stream's tokens.
        self.op_tokens_valid_after: dict[str, float] = {}
        self.extras: dict[str, Any] = {}  # room for other modules' state (webhook sender, files...)
        self._last_ms = 0
        # Repairs records written by handlers so every read stays valid against the catalog.
        self.filler = Filler(random.Random(config.seed + 2), "2026-01-01T00:00:00.000Z")
        self._has_updated_at = {k: "updatedAt" in properties(record_schema(k)) for k in KINDS}

    # -- clock and ids -------------------------------------------------------------------------
    def now_ms(self) -> int:
        """Wall-clock milliseconds, strictly increasing so every write moves ``updatedAt``."""
        ms = int(time.time() * 1000)
        if ms <= self._last_ms:
            ms = self._last_ms + 1
        self._last_ms = ms
        return ms

    def now_iso(self) -> str:
        return iso_ms(self.now_ms() / 1000)

    def new_id(self) -> str:
        return random_uuid4(self.rng.getrandbits(128))

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    # -- records -------------------------------------------------------------------------------
    def store(self, kind: str) -> KindStore:
        return self.kinds[kind]

    def get(self, kind: str, ident: str) -> Record | None:
        """A decoded copy of the record (mutate it freely, then ``put`` it back)."""
        return self.kinds[kind].get(ident)

    def exists(self, kind: str, ident: str) -> bool:
        return ident in self.kinds[kind].data

    def put(
        self,
        kind: str,
        record: Record,
        *,
        parent: str | None = None,
        touch: bool = True,
        confidential: bool | None = None,
    ) -> Record:
        """Insert or replace ``record`` (must have ``id``); returns it.

        ``touch`` sets ``updatedAt`` to now when the kind has that field. ``confidential`` marks the
        record as hidden from keys without the confidential toggle (None keeps the current mark).
        """
        if touch and self._has_updated_at.get(kind):
            record["updatedAt"] = self.now_iso()
        record = _conformed(self.filler, record_schema(kind), record)
        if list_item_schema(kind) is not record_schema(kind):
            record = _conformed(self.filler, list_item_schema(kind), record)
        ks = self.kinds[kind]
        ident = record["id"]
        ks.put_bytes(ident, orjson.dumps(record), self.next_seq(), parent)
        if confidential is not None:
            if confidential:
                ks.confidential.add(ident)
            else:
                ks.confidential.discard(ident)
        if record.get("isArchived") is True:
            ks.archived.add(ident)
        else:
            ks.archived.discard(ident)
        if has_private(record):
            ks.private.add(ident)
        else:
            ks.private.discard(ident)
        return record

    def put_raw(
        self,
        kind: str,
        ident: str,
        raw: bytes,
        *,
        parent: str | None = None,
        confidential: bool = False,
        archived: bool = False,
        private: bool = False,
    ) -> None:
        """Fast path for the generator: bytes already serialised and known to fit the schema."""
        ks = self.kinds[kind]
        ks.put_bytes(ident, raw, self.next_seq(), parent)
        if confidential:
            ks.confidential.add(ident)
        if archived:
            ks.archived.add(ident)
        if private:
            ks.private.add(ident)

    def update(self, kind: str, ident: str, **fields: Any) -> Record | None:
        rec = self.get(kind, ident)
        if rec is None:
            return None
        rec.update(fields)
        return self.put(kind, rec)

    def delete(self, kind: str, ident: str) -> None:
        self.kinds[kind].remove(ident)

    def iter(self, kind: str) -> Iterator[Record]:
        """Decoded copies of every record (slow for big kinds: prefer indexes)."""
        for raw in self.kinds[kind].values_bytes():
            yield orjson.loads(raw)

    def children(self, kind: str, parent: str) -> list[str]:
        return list(self.kinds[kind].children.get(parent, ()))

    # -- keys ----------------------------------------------------------------------------------
    def add_key(self, key: ApiKeyConfig) -> ApiKeyConfig:
        self.keys[key.key] = key
        return key

    # -- events --------------------------------------------------------------------------------
    def subscribe(self, listener: EventListener) -> None:
        """``listener(webhook_type, data, webhook_action_id)`` is called for each ``emit``."""
        self.listeners.append(listener)

    def emit(self, webhook_type: str, data: dict[str, Any], action_id: str | None = None) -> str:
        """Publish one webhook event; related events of one action share ``action_id``."""
        action_id = action_id or str(uuid.uuid4())
        for listener in list(self.listeners):
            listener(webhook_type, data, action_id)
        return action_id

    def tokens_expired_before(self, operation: str) -> float:
        """Tokens and cursors of ``operation`` issued before this wall time are expired."""
        return max(self.tokens_valid_after, self.op_tokens_valid_after.get(operation, 0.0))

    # -- stats ---------------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        return {name: len(ks) for name, ks in self.kinds.items() if len(ks)}


def _conformed(filler: Filler, schema: dict[str, Any], record: Record) -> Record:
    fixed = filler.conform(schema, record)
    return fixed if isinstance(fixed, dict) and "id" in fixed else record


def has_private(record: Record) -> bool:
    if record.get("isPrivate") is True:
        return True
    fields = record.get("customFields")
    if isinstance(fields, list):
        return any(isinstance(f, dict) and f.get("isPrivate") for f in fields)
    return False
