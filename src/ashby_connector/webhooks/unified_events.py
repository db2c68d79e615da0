"""Turning one changed Ashby record into unified events: ``{model}.{created|updated|deleted}``.

One Ashby kind can back several unified models (a candidate is an ``atsCandidate``, a
``genericContact`` and, per file, an ``atsAttachment``), so one change gives one event per model
record. Event ids are derived from the event's content, so the same change reported twice (a
re-processed webhook, a webhook then a sync) gets the same id and is enqueued once.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from ashby_connector.store.kinds import KIND_OPERATIONS
from ashby_connector.times import ashby_time, utcnow
from ashby_connector.webhooks.protocols import Change

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class UnifiedEvent:
    id: str
    type: str  # "atsApplication.updated"
    model: str
    record_id: str
    connection_id: str
    data: dict[str, Any]

    def body(self, *, timestamp: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "timestamp": timestamp,
            "connectionId": self.connection_id,
            "model": self.model,
            "data": self.data,
        }


# (connection_id, kind, raw, change) -> [(model name, unified record dict)]
UnifiedMapper = Callable[[str, str, dict[str, Any], Change], list[tuple[str, dict[str, Any]]]]
# (connection_id, model) -> the connection's custom-field mapping entries for that model
MappingFor = Callable[[str, str], list[Any] | None]
# (connection_id, kind, id) -> the stored raw record, or None
RecordOf = Callable[[str, str, str], dict[str, Any] | None]


def event_id(connection_id: str, model: str, change: str, record: dict[str, Any]) -> str:
    """Stable id: the same change of the same record always hashes to the same id."""
    digest = hashlib.sha256()
    digest.update(f"{connection_id}\x00{model}\x00{change}\x00".encode())
    digest.update(orjson.dumps(record, option=orjson.OPT_SORT_KEYS))
    return "evt_" + digest.hexdigest()[:32]


def now_iso() -> str:
    return ashby_time(utcnow())


def registry_mapper(
    mapping_for: MappingFor | None = None, record_of: RecordOf | None = None
) -> UnifiedMapper:
    """The mapper over ``ashby_connector.unified``'s model registry, with each connection's
    custom-field mapping when ``mapping_for`` is given (events match what the REST API returns);
    ``record_of`` reads the stored records a change of another list needs (``ModelSpec.raised_by``:
    an offer's application, to name its letters' candidate)."""
    from ashby_connector import unified

    kind_of_operation = {op: kind for kind, op in KIND_OPERATIONS.items()}
    by_kind: dict[str, list[Any]] = {}
    raised_by: dict[str, list[tuple[Any, Any]]] = {}
    for spec in unified.models():
        if spec.read_unavailable is not None:
            continue  # no record of the kind can be one of its records (EEOC answers)
        for part in spec.parts():  # a model read from several lists: each list's records
            kind = kind_of_operation.get(part.source)
            if kind is not None:
                by_kind.setdefault(kind, []).append(part)
        for operation, raised in spec.raised_by.items():
            raised_by.setdefault(kind_of_operation[operation], []).append((spec, raised))

    def mapper(
        connection_id: str, kind: str, raw: dict[str, Any], change: Change
    ) -> list[tuple[str, dict[str, Any]]]:
        def stored(of_kind: str, ident: str) -> dict[str, Any] | None:
            return record_of(connection_id, of_kind, ident) if record_of else None

        out: list[tuple[str, dict[str, Any]]] = []
        for spec in by_kind.get(kind, ()):
            out += _mapped(connection_id, kind, spec, spec.explode(raw) if spec.explode else [raw])
        for spec, raised in raised_by.get(kind, ()):
            out += _mapped(connection_id, kind, spec, raised(raw, stored))
        return out

    def _mapped(
        connection_id: str, kind: str, spec: Any, items: list[dict[str, Any]]
    ) -> list[tuple[str, dict[str, Any]]]:
        mapping = mapping_for(connection_id, spec.name) if mapping_for else None
        out: list[tuple[str, dict[str, Any]]] = []
        for item in items:
            try:
                model = unified.to_unified(spec, item, mapping or None)
            except Exception:  # a record the mapper cannot read must not stop the others
                log.exception("cannot map %s %s to %s", kind, item.get("id"), spec.name)
                continue
            out.append((spec.name, model.model_dump(mode="json")))
        return out

    return mapper


def build_events(
    mapper: UnifiedMapper, connection_id: str, kind: str, raw: dict[str, Any], change: Change
) -> list[UnifiedEvent]:
    events: list[UnifiedEvent] = []
    for model, record in mapper(connection_id, kind, raw, change):
        eid = event_id(connection_id, model, change, record)
        if change == "deleted":
            # Set after hashing, so a redelivered delete keeps its id.
            record["deletedAt"] = record.get("deletedAt") or now_iso()
        rid = str(record.get("id") or raw.get("id") or "")
        events.append(UnifiedEvent(eid, f"{model}.{change}", model, rid, connection_id, record))
    return events
