"""Unified records already rendered, kept between requests in this process.

A page of 100 unified records costs about 30 µs per record to map from Ashby's JSON; read again
unchanged, it costs a dictionary lookup. An entry is used only when the stored row still holds the
version it was rendered from (``raw_hash``), the model reads it the same way (the connection's
field mapping or custom definition, ``model_key``) and every record its reader joined still has
the version it had (``joined``; a job's postings). Those are checked against the database on every
request, so writes from any process (a sync worker, a webhook, another server) show at once.

The memory is bounded (``Settings.read_cache_mb``): the least recently used entries go first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

# (connection id, model, with remoteData, record id, parent id)
CacheKey = tuple[str, str, bool, str, str | None]
# (stored kind, record id, its raw_hash then, or None: it did not exist or was deleted)
Joined = tuple[str, str, str | None]

# What an entry costs beside its body: the key, the tuple, the dictionary slot.
_ENTRY_OVERHEAD = 240


@dataclass(frozen=True, slots=True)
class Rendered:
    raw_hash: str
    model_key: bytes
    joined: tuple[Joined, ...]
    body: bytes  # the record's JSON, exactly as the answer holds it

    def size(self) -> int:
        return len(self.body) + _ENTRY_OVERHEAD + 80 * len(self.joined)


class RenderCache:
    """A bounded least-recently-used map of rendered records; safe to share between threads (the
    server's routes run in a thread pool)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[CacheKey, Rendered] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get_many(self, keys: list[CacheKey]) -> list[Rendered | None]:
        """The entries of ``keys``, in order (None where there is none), under one lock."""
        out: list[Rendered | None] = []
        with self._lock:
            entries = self._entries
            for key in keys:
                found = entries.get(key)
                if found is not None:
                    entries.move_to_end(key)
                out.append(found)
        return out

    def put(self, key: CacheKey, entry: Rendered) -> None:
        size = entry.size()
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size()
            self._entries[key] = entry
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.size()

    def count(self, connection_id: str) -> int:
        """How many of the connection's records are kept."""
        with self._lock:
            return sum(1 for key in self._entries if key[0] == connection_id)

    def forget_connection(self, connection_id: str) -> None:
        """Drop a deleted connection's records now rather than when they age out."""
        with self._lock:
            for key in [k for k in self._entries if k[0] == connection_id]:
                self._bytes -= self._entries.pop(key).size()
