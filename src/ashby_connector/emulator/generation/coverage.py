"""How much of what Ashby's spec defines the emulated organisation actually fills.

For each list and info operation of a record kind, every field path the spec's results schema
defines (``latestVersion.salary.value``; array items as ``hiringTeam[].userId``) is counted, and
it is *filled* when at least one answered record carries a non-empty value there (not null, not
``[]``, not ``{}``). A mapping that reads a field the emulator never fills cannot be tested, so
``make test`` holds the organisation to a threshold (``tests/e2e/test_emulator_coverage.py``).

Fields the emulated account cannot fill for a stated reason are listed in ``NOT_FILLED`` and left
out of the count.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from ashby_connector import catalog
from ashby_connector.emulator.records.kinds import KINDS
from ashby_connector.emulator.records.schema import Schema, merge_all_of, properties, required, results_schema

MAX_DEPTH = 5  # deeper paths are parts of free-form values (form answers), not record fields
INFO_SAMPLE = 60  # records read through each info operation
PARENT_SAMPLE = 60  # parents whose child lists are read

# (operation, field path) -> why the emulated account leaves it empty. A path ending in ``.*``
# covers everything under it.
_NO_ARCHIVE_REASON_FIELDS = (
    "Ashby's custom field object types (customField.list objectType) include none for archive "
    "reasons, so no definition exists whose value a reason could carry"
)
_NO_NOTETAKER = "the emulated account does not use Ashby's notetaker, so no event links a transcript"
_NO_SCHEDULE_EXPAND = (
    "interviewSchedule.list has no expand parameter; the interview definition is embedded only by "
    "interviewEvent.list with expand: [interview]"
)
NOT_FILLED: dict[tuple[str, str], str] = {
    ("application.list", "archiveReason.customFields.*"): _NO_ARCHIVE_REASON_FIELDS,
    ("application.list", "archiveReason.customFields"): _NO_ARCHIVE_REASON_FIELDS,
    ("application.info", "archiveReason.customFields.*"): _NO_ARCHIVE_REASON_FIELDS,
    ("application.info", "archiveReason.customFields"): _NO_ARCHIVE_REASON_FIELDS,
    ("interviewEvent.list", "notetakerTranscriptId"): _NO_NOTETAKER,
    ("interviewSchedule.list", "interviewEvents[].notetakerTranscriptId"): _NO_NOTETAKER,
    ("interviewSchedule.list", "interviewEvents[].interview"): _NO_SCHEDULE_EXPAND,
    ("interviewSchedule.list", "interviewEvents[].interview.*"): _NO_SCHEDULE_EXPAND,
}


def _branches(schema: Schema) -> list[Schema]:
    if "allOf" in schema:
        schema = merge_all_of(schema)
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            return [b for sub in schema[key] for b in _branches(sub)]
    return [schema]


def spec_paths(schema: Schema | None, prefix: str = "", depth: int = 0) -> set[str]:
    """Every field path ``schema`` defines (object properties, array items as ``[]``)."""
    out: set[str] = set()
    if not schema or depth > MAX_DEPTH:
        return out
    for branch in _branches(schema):
        if branch.get("type") == "array" or "items" in branch:
            items = branch.get("items")
            if isinstance(items, dict):
                out |= spec_paths(items, f"{prefix}[]", depth)
            continue
        for name, sub in (branch.get("properties") or {}).items():
            path = f"{prefix}.{name}" if prefix else name
            out.add(path)
            if isinstance(sub, dict):
                out |= spec_paths(sub, path, depth + 1)
    return out


def filled_paths(value: Any, prefix: str = "", out: set[str] | None = None) -> set[str]:
    """Every field path ``value`` carries a non-empty value at."""
    out = set() if out is None else out
    if isinstance(value, list):
        for item in value:
            filled_paths(item, f"{prefix}[]", out)
    elif isinstance(value, dict):
        for name, sub in value.items():
            if sub is None or sub == [] or sub == {}:
                continue
            path = f"{prefix}.{name}" if prefix else name
            out.add(path)
            filled_paths(sub, path, out)
    return out


@dataclass(frozen=True, slots=True)
class Coverage:
    operation: str
    defined: frozenset[str]
    filled: frozenset[str]
    excused: frozenset[str]
    records: int

    @property
    def counted(self) -> frozenset[str]:
        return self.defined - self.excused

    @property
    def missing(self) -> list[str]:
        return sorted(self.counted - self.filled)

    @property
    def share(self) -> float:
        counted = self.counted
        return len(counted & self.filled) / len(counted) if counted else 1.0


def _excused(operation: str, paths: Iterable[str]) -> frozenset[str]:
    out = set()
    for path in paths:
        for (op, excused), _why in NOT_FILLED.items():
            if op != operation:
                continue
            under = excused.endswith(".*") and path.startswith((excused[:-2] + ".", excused[:-2] + "["))
            if path == excused or under:
                out.add(path)
    return frozenset(out)


def _call(http: httpx.Client, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = http.post(f"/{operation}", json=body).json()
    if not answer.get("success"):
        raise RuntimeError(f"{operation} {body} failed: {answer.get('errorInfo')}")
    return answer


def _list_all(http: httpx.Client, operation: str, body: dict[str, Any]) -> Iterator[Any]:
    cursor: str | None = None
    while True:
        page = _call(http, operation, {**body, **({"cursor": cursor} if cursor else {})})
        results = page.get("results")
        yield from results if isinstance(results, list) else [results]
        cursor = page.get("nextCursor") if page.get("moreDataAvailable") else None
        if not cursor:
            return


# Lists read per parent: the request field naming the parent and the list the parents come from.
_PARENT_LISTS = {
    "applicationId": "application.list",
    "candidateId": "candidate.list",
    "userId": "user.list",
    "interviewScheduleId": "interviewSchedule.list",
    "interviewPlanId": "interviewPlan.list",
}
_PER_PARENT = {
    "application.listHistory": "applicationId",
    "application.listCriteriaEvaluations": "applicationId",
    "candidate.listClientInfo": "candidateId",
    "candidate.listFraudChecks": "candidateId",
    "candidate.listNotes": "candidateId",
    "interviewEvent.list": "interviewScheduleId",
    "interviewStage.list": "interviewPlanId",
    "user.listInterviewerPauses": "userId",
}


def _parents(http: httpx.Client, parent_field: str) -> list[str]:
    ids = [rec["id"] for rec in _list_all(http, _PARENT_LISTS[parent_field], {"limit": 100})]
    step = max(1, len(ids) // PARENT_SAMPLE)
    return ids[::step][:PARENT_SAMPLE]


def _expand_all(operation: str) -> dict[str, Any]:
    """``expand`` with every value the operation allows: fields behind it count as defined."""
    schema = catalog.operation(operation).request_schema or {}
    values: list[str] = []
    for branch in _branches(schema):
        items = merge_all_of((properties(branch).get("expand") or {}).get("items") or {})
        values += [v for v in items.get("enum") or [] if v not in values]
    return {"expand": values} if values else {}


def _bodies(http: httpx.Client, operation: str) -> list[dict[str, Any]]:
    """The request bodies that together read the whole list (per parent, per required enum value)."""
    parent_field = _PER_PARENT.get(operation)
    if parent_field:
        return [{parent_field: p, **_expand_all(operation)} for p in _parents(http, parent_field)]
    request = catalog.operation(operation).request_schema
    props = properties(request)
    bodies: list[dict[str, Any]] = [{**_expand_all(operation)}]
    for name in sorted(required(request)):
        values = merge_all_of(props.get(name, {})).get("enum") or []
        bodies = [{**b, name: v} for b in bodies for v in values]
    return bodies


def _measure(operation: str, records: list[Any]) -> Coverage:
    defined = frozenset(spec_paths(_items(results_schema(catalog.operation(operation)), operation)))
    filled: set[str] = set()
    for rec in records:
        filled_paths(rec, "", filled)
    return Coverage(operation, defined, frozenset(filled), _excused(operation, defined), len(records))


def _items(schema: Schema | None, operation: str) -> Schema | None:
    """A list operation's record schema (its array items); an info operation's results."""
    if schema and catalog.operation(operation).is_list:
        for branch in _branches(schema):
            if isinstance(branch.get("items"), dict):
                return dict(branch["items"])
    return schema


def measure(base_url: str, api_key: str) -> list[Coverage]:
    """Read every list and info operation of every record kind and measure what they fill."""
    out = []
    with httpx.Client(base_url=base_url, auth=(api_key, ""), timeout=60.0) as http:
        for kind in KINDS.values():
            if kind.list_op is None:
                continue
            records = [
                r
                for body in _bodies(http, kind.list_op)
                for r in _list_all(http, kind.list_op, {**body, "limit": 100})
            ]
            out.append(_measure(kind.list_op, records))
            if kind.info_op and kind.info_id and records:
                step = max(1, len(records) // INFO_SAMPLE)
                sample = [r for r in records[::step] if isinstance(r, dict) and "id" in r][:INFO_SAMPLE]
                body = _expand_all(kind.info_op)
                infos = [
                    _call(http, kind.info_op, {kind.info_id: r["id"], **body})["results"] for r in sample
                ]
                out.append(_measure(kind.info_op, infos))
    return out


def overall(coverages: list[Coverage]) -> float:
    counted = sum(len(c.counted) for c in coverages)
    filled = sum(len(c.counted & c.filled) for c in coverages)
    return filled / counted if counted else 1.0
