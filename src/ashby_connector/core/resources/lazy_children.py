"""``LazyChildren``: a lazy child list's children, fetched from Ashby when they are read.

A child list whose policy is ``lazy`` costs nothing during syncs. When a reader (the server's
``GET /resources/atsNote?candidateId=...``) asks for one parent's children that were never
fetched, or were fetched before the parent last changed, they are listed from Ashby with the
connection's key, stored (children the parent no longer lists are marked deleted), and the read
then answers from the store. Fresh children cost no request.

Only ``lazy`` lists are fetched here, under the connection's own policies: ``eager`` and
``changed`` lists are the syncs' to keep, and an ``off`` list is never fetched at all, read or not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ashby_connector.core.connections.requested_operations import RequestedOperations, of_connection
from ashby_connector.errors import NotFoundError
from ashby_connector.store import Store, insights
from ashby_connector.store.tenancy import Tenancy
from ashby_connector.sync.policies import ChildPolicy, resolve
from ashby_connector.sync.stream_runner import PAGE_LIMIT
from ashby_connector.sync.streams import Stream, all_streams


class LazyChildren:
    """``client_for(connection_id)`` gives the connection's Ashby client (its key, its budget);
    ``policies_for(connection_id)`` its child policy overrides (defaults when None)."""

    def __init__(
        self,
        store: Store,
        client_for: Callable[[str], Any],
        policies_for: Callable[[str], Mapping[str, str] | None] | None = None,
        requested_for: Callable[[str], RequestedOperations] | None = None,
    ) -> None:
        """``requested_for(connection_id)``: its requested operations (by default those stored); a
        child list they do not allow is never fetched, only what is stored is answered."""
        self.store = store
        if requested_for is None:
            tenancy = Tenancy(store)
            requested_for = lambda connection_id: of_connection(tenancy, connection_id)  # noqa: E731
        self.requested_for = requested_for
        self.client_for = client_for
        self.policies_for = policies_for or (lambda _connection_id: None)
        self.streams: dict[str, Stream] = {s.name: s for s in all_streams() if s.fans_out}

    def policy(self, connection_id: str, stream: str) -> ChildPolicy:
        return resolve(self.policies_for(connection_id)).get(stream, "eager")

    def stale(self, connection_id: str, stream: str, parent_id: str) -> bool:
        """Never fetched, or fetched before the parent's last change (and the parent is known)."""
        s = self.streams[stream]
        assert s.parent is not None
        parent = self.store.get_record(connection_id, s.parent, parent_id)
        if parent is None or parent.deleted_at is not None:
            return False  # nothing to fetch children of (the read answers what is stored)
        if s.parent_hint and parent.raw.get(s.parent_hint) in (None, ""):
            return False  # the parent says it has none of these children
        fetched = self.store.children_fetched_at(connection_id, stream, parent_id)
        return fetched is None or fetched < parent.changed_at

    def due(self, connection_id: str, stream: str, parent_ids: Sequence[str]) -> list[str]:
        """Of these parents, in their order, those whose children ``ensure`` would fetch now: the
        stream is lazy for this connection and requested, and their children are missing or
        older than the parent. One query for them all (``ensure`` checks one parent at a time)."""
        if stream not in self.streams or self.policy(connection_id, stream) != "lazy":
            return []
        s = self.streams[stream]
        if not self.requested_for(connection_id).permits(s.operation) or s.parent is None:
            return []
        if s.parent_hint:  # the parent's own field says whether it has any: read per parent
            return [p for p in parent_ids if self.stale(connection_id, stream, p)]
        due = insights.children_due(self.store.engine, connection_id, stream, s.parent, parent_ids)
        return [p for p in parent_ids if p in due]

    def ensure(self, connection_id: str, stream: str, parent_id: str) -> bool:
        """Fetch and store the parent's children if the stream is lazy for this connection and
        they are missing or stale. Returns True when Ashby was asked. Ashby's errors propagate
        (the caller answers them); a parent Ashby no longer knows leaves the store as it is."""
        if stream not in self.streams or self.policy(connection_id, stream) != "lazy":
            return False
        if not self.requested_for(connection_id).permits(self.streams[stream].operation):
            return False
        if not self.stale(connection_id, stream, parent_id):
            return False
        s = self.streams[stream]
        assert s.parent_field is not None
        client = self.client_for(connection_id)
        body = dict(s.base_body) | {s.parent_field: parent_id}
        records: list[dict[str, Any]] = []
        try:
            for page in client.pages(s.operation, body, limit=PAGE_LIMIT if s.paginated else None):
                records.extend(s.records(page.results))
        except NotFoundError:
            return True
        self.store.replace_children(connection_id, stream, s.kind, parent_id, records)
        return True
