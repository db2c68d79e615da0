"""Digests: a few fields of every record of a large list, kept in memory per connection and
brought up to date from the store's ``changed_at`` index before each question.

Searching 20,000 candidates by part of a name cannot use an index, and reading and decoding every
stored candidate per question costs hundreds of milliseconds. A digest reads the whole list once
per process, then on each question only the records that changed since (a range of the
``changed_at`` index, usually empty), so the question scans small tuples in memory. Deleted
records leave the digest (a deletion moves ``changed_at``). Stamps are looked at again from a
little before the previous refresh began: a write whose transaction committed after that refresh
read is not missed. One digest per list and connection lives as long as the process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar, cast

from ashby_connector.store import Store, insights

T = TypeVar("T")
D = TypeVar("D")
Groups = dict[str, list[tuple[str, T]]]
# Each refresh looks again at the records stamped from this long before the previous refresh
# began: a write stamped earlier but committed after that refresh read is found then (only ids
# and stamps are read again; a record is read whole only when its stamp moved). It covers a
# writer's transaction time and the clock difference between machines sharing a database.
OVERLAP = timedelta(seconds=30)


class Digest(Generic[T]):
    """``project(raw)`` makes a record's digest entry (None leaves the record out)."""

    def __init__(
        self,
        store: Store,
        kind: str,
        project: Callable[[dict[str, object]], T | None],
        parent_as: str | None = None,
    ) -> None:
        """``parent_as``: for a child list, the key its records' parent id is projected under."""
        self.store = store
        self.kind = kind
        self.project = project
        self.parent_as = parent_as
        self._lock = threading.Lock()
        # Per connection: when the last refresh began, each record's changed_at, and the entries.
        self._state: dict[str, tuple[datetime, dict[str, datetime], dict[str, T]]] = {}
        # What is derived from one snapshot of entries (groupings, orderings), made once per
        # snapshot: (connection, key, build) -> (the snapshot, the value).
        self._derived: dict[tuple[str, Any, Any], tuple[dict[str, T], Any]] = {}

    def entries(self, connection_id: str) -> dict[str, T]:
        """The connection's entries by record id, current as of now. The dict returned is never
        changed afterwards (a refresh that finds changes makes a new one)."""
        engine = self.store.engine
        with self._lock:
            began = datetime.now(UTC)
            previous = self._state.get(connection_id)
            seen, items = (previous[1], previous[2]) if previous else ({}, {})
            since = previous[0] - OVERLAP if previous else None
            stamps = insights.changed_since(engine, connection_id, self.kind, since)
            moved = [(i, at) for i, at in stamps if seen.get(i) != at]
            if moved:
                seen, items = dict(seen), dict(items)
                records = insights.records_with_state(
                    engine, connection_id, self.kind, [i for i, _ in moved], self.parent_as
                )
                for ident, at in moved:
                    raw = records.get(ident)
                    entry = self.project(raw) if raw is not None else None
                    seen[ident] = at
                    if entry is None:
                        items.pop(ident, None)
                    else:
                        items[ident] = entry
            self._state[connection_id] = (began, seen, items)
            return items

    def grouped(self, connection_id: str, key: Callable[[T], str | None]) -> Groups[T]:
        """The current entries grouped by ``key`` (entries whose key is None left out); ``key``
        must be one function object per grouping (it names the memo)."""
        return self.derived(connection_id, key, _grouping)

    def derived(
        self, connection_id: str, key: Callable[[T], Any], build: Callable[[dict[str, T], Any], D]
    ) -> D:
        """``build(entries, key)`` of the current entries, made once per snapshot of them; ``key``
        and ``build`` name the memo."""
        items = self.entries(connection_id)
        with self._lock:
            memo = self._derived.get((connection_id, key, build))
            if memo is not None and memo[0] is items:
                return cast(D, memo[1])
        value = build(items, key)
        with self._lock:
            self._derived[(connection_id, key, build)] = (items, value)
        return value


def _grouping(items: dict[str, T], key: Callable[[T], str | None]) -> Groups[T]:
    groups: Groups[T] = {}
    for ident, entry in items.items():
        value = key(entry)
        if value is not None:
            groups.setdefault(value, []).append((ident, entry))
    return groups
