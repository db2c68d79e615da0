"""Per-kind record storage with a change sequence, so pages and incremental reads are cheap scans.

Every record lives as its orjson bytes (compact, and a page is a join of bytes). Each write gives
the record the next global sequence number and appends ``(seq, id)`` to the kind's log; an older log
entry for the same id becomes stale and is skipped. Listing "everything after sequence S" is then a
bisect plus a forward scan, which serves full syncs (S = cursor position) and incremental syncs
(S = the syncToken's sequence) with the same code.

Big organisations keep the bytes deflate-compressed (``compress=True``): a kind's first record
serves as the preset dictionary, so each record costs a quarter to a half of its JSON size; every
read (``get_bytes``/``get``) inflates it again, a few microseconds per record.
"""

from __future__ import annotations

import bisect
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import orjson

Record = dict[str, Any]


class KindStore:
    """Records of one kind (``candidate``, ``application``, ...)."""

    def __init__(self, name: str, *, compress: bool = False) -> None:
        self.name = name
        # id -> the record's orjson bytes (deflated with ``_zdict`` when ``compress``): read them
        # through ``get_bytes``/``get``, never from here.
        self.data: dict[str, bytes] = {}
        self.compress = compress
        self._zdict: bytes | None = None
        self.seq_of: dict[str, int] = {}
        self.log_seq: list[int] = []
        self.log_id: list[str] = []
        # Visibility marks: ids hidden without the confidential toggle, and ids carrying private
        # fields (stripped, or hidden if the record itself is private, without the private toggle).
        self.confidential: set[str] = set()
        self.private: set[str] = set()
        self.archived: set[str] = set()  # isArchived records, left out unless includeArchived
        # Child lists (notes per candidate, history per application): parent id -> ids, in order.
        self.parent_of: dict[str, str] = {}
        self.children: dict[str, list[str]] = {}
        # Cheap secondary indexes other code maintains (e.g. "jobId" -> job id -> ids): read them
        # with ``lookup``. A value with one id holds the bare id (a set per candidate email
        # cost ~200 bytes each at a million candidates), more ids a set.
        self.index: dict[str, dict[str, str | set[str]]] = {}

    def __len__(self) -> int:
        return len(self.data)

    def __contains__(self, ident: object) -> bool:
        return ident in self.data

    def put_bytes(self, ident: str, raw: bytes, seq: int, parent: str | None = None) -> None:
        if ident not in self.data and parent is not None:
            self.parent_of[ident] = parent
            self.children.setdefault(parent, []).append(ident)
        if self.compress:
            self.data[ident] = self._pack(raw)
        else:
            # orjson hands back bytes inside a buffer of 4 KiB or more (doubling as it grows);
            # copying trims them to size, which cuts memory several times over for small records.
            self.data[ident] = bytes(memoryview(raw))
        self.seq_of[ident] = seq
        self.log_seq.append(seq)
        self.log_id.append(ident)
        if len(self.log_seq) > 2 * len(self.data) + 1024:
            self._compact()

    def get_bytes(self, ident: str) -> bytes | None:
        """The record's orjson bytes (None when absent)."""
        raw = self.data.get(ident)
        if raw is None or not self.compress:
            return raw
        return self._unpack(raw)

    def get(self, ident: str) -> Record | None:
        raw = self.get_bytes(ident)
        return None if raw is None else orjson.loads(raw)

    def values_bytes(self) -> Iterator[bytes]:
        """Every record's orjson bytes (a snapshot of the ids, so writes may interleave)."""
        for ident in list(self.data):
            raw = self.get_bytes(ident)
            if raw is not None:
                yield raw

    def _pack(self, raw: bytes) -> bytes:
        if self._zdict is None:
            self._zdict = bytes(memoryview(raw))  # the kind's first record: its usual shape
        comp = zlib.compressobj(1, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY, self._zdict)
        return comp.compress(raw) + comp.flush()

    def _unpack(self, packed: bytes) -> bytes:
        assert self._zdict is not None
        inflater = zlib.decompressobj(-15, self._zdict)
        return inflater.decompress(packed) + inflater.flush()

    def remove(self, ident: str) -> None:
        self.data.pop(ident, None)
        self.seq_of.pop(ident, None)
        self.confidential.discard(ident)
        self.private.discard(ident)
        self.archived.discard(ident)
        parent = self.parent_of.pop(ident, None)
        if parent is not None:
            siblings = self.children.get(parent, [])
            if ident in siblings:
                siblings.remove(ident)
        for idx in self.index.values():
            for value, ids in list(idx.items()):
                if ids == ident:
                    del idx[value]
                elif isinstance(ids, set):
                    ids.discard(ident)

    def add_index(self, field: str, value: str, ident: str) -> None:
        idx = self.index.setdefault(field, {})
        ids = idx.get(value)
        if ids is None:
            idx[value] = ident
        elif isinstance(ids, set):
            ids.add(ident)
        elif ids != ident:
            idx[value] = {ids, ident}

    def drop_index(self, field: str, value: str, ident: str) -> None:
        idx = self.index.get(field, {})
        ids = idx.get(value)
        if ids == ident:
            del idx[value]
        elif isinstance(ids, set):
            ids.discard(ident)

    def lookup(self, field: str, value: str) -> set[str]:
        """The ids indexed under ``value`` (a new set: change the index with add/drop_index)."""
        ids = self.index.get(field, {}).get(value)
        if ids is None:
            return set()
        return {ids} if isinstance(ids, str) else set(ids)

    def _compact(self) -> None:
        pairs = [(s, i) for s, i in zip(self.log_seq, self.log_id, strict=True) if self.seq_of.get(i) == s]
        self.log_seq = [s for s, _ in pairs]
        self.log_id = [i for _, i in pairs]

    def scan_after(
        self, after_seq: int, accept: Callable[[str], bool] | None = None
    ) -> Iterator[tuple[int, str]]:
        """(seq, id) of live records written after ``after_seq``, in write order."""
        start = bisect.bisect_right(self.log_seq, after_seq)
        seq_of = self.seq_of
        log_seq = self.log_seq
        log_id = self.log_id
        for pos in range(start, len(log_seq)):
            ident = log_id[pos]
            seq = log_seq[pos]
            if seq_of.get(ident) != seq:
                continue
            if accept is not None and not accept(ident):
                continue
            yield seq, ident

    def count_after(self, after_seq: int) -> int:
        """An upper bound on the records changed after ``after_seq`` (stale entries included)."""
        return len(self.log_seq) - bisect.bisect_right(self.log_seq, after_seq)

    def ids(self) -> Iterator[str]:
        return iter(list(self.data))
