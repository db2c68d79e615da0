"""``sync --plan``: the requests and time each stream will need, before anything is fetched.

Estimated from the store when it holds a copy (record counts, saved syncTokens, child watermarks);
on a first run, from a count of every top-level list made by listing it once (the same requests
as the floor, said in ``count_requests``: there is no cheaper way to count in Ashby's API).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ashby_connector.errors import APIError
from ashby_connector.store import Store
from ashby_connector.sync.modes import Mode
from ashby_connector.sync.policies import ChildPolicy
from ashby_connector.sync.streams import Stream

PAGE = 100

# operation, body -> (records, records whose ``hint`` field is non-empty) for hint fields asked
Counter = Callable[[Stream, dict[str, Any], tuple[str, ...]], tuple[int, dict[str, int]]]


@dataclass
class StreamPlan:
    stream: str
    operation: str
    stage: str  # "top-level", "child", "derived", "lazy", "off"
    requests: int
    parents: int | None = None  # child lists: parents asked
    basis: str = ""


@dataclass
class Plan:
    connection_id: str
    rate_per_minute: float | None
    operation_limits: dict[str, float] = field(default_factory=dict)
    streams: list[StreamPlan] = field(default_factory=list)
    first_run: bool = False
    count_requests: int = 0  # requests spent counting (first run only)
    setup_requests: int = 1  # apiKey.info

    @property
    def usable_requests(self) -> int:
        return self.setup_requests + sum(s.requests for s in self.streams if s.stage == "top-level")

    @property
    def requests(self) -> int:
        return self.setup_requests + sum(s.requests for s in self.streams)

    def minutes(self, requests: int, streams: list[StreamPlan] | None = None) -> float | None:
        """At the key's budget; a list with its own lower budget can take longer than its share."""
        if not self.rate_per_minute:
            return None
        longest = requests / self.rate_per_minute
        for s in streams if streams is not None else self.streams:
            limit = self.operation_limits.get(s.operation)
            if limit:
                longest = max(longest, s.requests / limit)
        return longest

    @property
    def usable_minutes(self) -> float | None:
        return self.minutes(self.usable_requests, [s for s in self.streams if s.stage == "top-level"])

    @property
    def total_minutes(self) -> float | None:
        return self.minutes(self.requests)

    def to_dict(self) -> dict[str, Any]:
        return {
            "connection_id": self.connection_id,
            "first_run": self.first_run,
            "rate_per_minute": self.rate_per_minute,
            "operation_limits": self.operation_limits,
            "count_requests": self.count_requests,
            "requests": self.requests,
            "usable_requests": self.usable_requests,
            "minutes": _round(self.total_minutes),
            "usable_minutes": _round(self.usable_minutes),
            "streams": [asdict(s) for s in self.streams],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _pages(records: int) -> int:
    return max(1, math.ceil(records / PAGE))


def make_plan(
    store: Store,
    connection_id: str,
    streams: list[Stream],
    policies: Mapping[str, ChildPolicy],
    *,
    mode: Mode = Mode.INCREMENTAL,
    counter: Counter | None = None,
    rate_per_minute: float | None = None,
    operation_limits: Mapping[str, float] | None = None,
) -> Plan:
    """The plan of a sync of ``streams``; ``counter`` lists a top-level list to count it when the
    store has never finished it (first run)."""
    plan = Plan(connection_id, rate_per_minute, dict(operation_limits or {}))
    hints: dict[str, tuple[str, ...]] = {}
    for s in streams:
        if s.parent is not None and s.parent_hint:
            hints[s.parent] = (*hints.get(s.parent, ()), s.parent_hint)
    counted: dict[str, tuple[int, dict[str, int]]] = {}  # kind -> records, hinted counts (counted)
    for s in streams:
        if s.parent is not None:
            continue
        keys = [f"{s.name}:{v}" for _, v in s.partitions] or [s.name]
        states = [store.get_stream_state(connection_id, k) for k in keys]
        known = all(st.last_success_at is not None for st in states)
        if known and not mode.full and s.strategy == "incremental" and all(st.sync_token for st in states):
            requests, basis = len(keys), "incremental: one page of changes per list (more if many changed)"
        elif known or counter is None:
            records = store.count(connection_id, s.kind)
            requests = len(keys) if not s.paginated else max(len(keys), _pages(records) + len(keys) - 1)
            basis = f"{records:,} records in the store"
        else:
            plan.first_run = True
            total, hinted = 0, dict[str, int]()
            requests = 0
            for part in s.partitions or ((None, None),):
                body = dict(s.base_body) | ({part[0]: part[1]} if part[0] else {})
                n, h = counter(s, body, hints.get(s.kind, ()))
                total += n
                hinted = {k: hinted.get(k, 0) + v for k, v in h.items()}
                requests += _pages(n) if s.paginated else 1
            plan.count_requests += requests
            counted[s.kind] = (total, hinted)
            basis = f"{total:,} records counted by listing"
        plan.streams.append(StreamPlan(s.name, s.operation, "top-level", requests, basis=basis))
    for s in streams:
        if s.parent is None:
            continue
        policy = policies.get(s.name, "eager")
        if s.derived:
            plan.streams.append(
                StreamPlan(s.name, s.operation, "derived", 0, basis=f"embedded in {s.parent} pages")
            )
            continue
        if policy in ("lazy", "off"):
            basis = "fetched when read through the server" if policy == "lazy" else "never fetched"
            plan.streams.append(StreamPlan(s.name, s.operation, policy, 0, basis=basis))
            continue
        state = store.get_stream_state(connection_id, s.name)
        since = None if mode.full else state.parent_watermark
        if since is None and policy == "changed":
            plan.streams.append(
                StreamPlan(s.name, s.operation, "child", 0, 0, "changed: parents that change from now on")
            )
            continue
        if s.parent in counted and since is None:
            total, hinted = counted[s.parent]
            parents = hinted.get(s.parent_hint, 0) if s.parent_hint else total
        else:
            parents = store.count(connection_id, s.parent, changed_since=since, nonempty=s.parent_hint)
        what = "changed " if since is not None else ""
        hint = f" with {s.parent_hint} set" if s.parent_hint else ""
        plan.streams.append(
            StreamPlan(
                s.name, s.operation, "child", parents, parents, f"one request per {what}{s.parent}{hint}"
            )
        )
    return plan


def listing_counter(client: Any) -> Counter:
    """Count a list by listing it (the first run's plan)."""

    def count(stream: Stream, body: dict[str, Any], hints: tuple[str, ...]) -> tuple[int, dict[str, int]]:
        total = 0
        hinted = dict.fromkeys(hints, 0)
        try:
            for page in client.pages(stream.operation, body, limit=PAGE if stream.paginated else None):
                for record in page.results:
                    total += 1
                    if isinstance(record, dict):
                        for h in hints:
                            if record.get(h) not in (None, ""):
                                hinted[h] += 1
        except APIError:
            pass  # a list the account lacks: the sync's one request answers the same
        return total, hinted

    return count
