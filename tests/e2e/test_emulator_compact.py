"""Compressed record storage (big organisations) answers exactly what plain storage answers."""

from __future__ import annotations

from typing import Any

import orjson

from ashby_connector.emulator import Emulator, EmulatorConfig
from ashby_connector.emulator.records.kind_store import KindStore
from tests.e2e._emulator_extras import emulator_api


def test_kind_store_round_trips_compressed_bytes() -> None:
    plain, packed = KindStore("x"), KindStore("x", compress=True)
    records = [{"id": f"id{i}", "name": f"Name {i}", "tags": ["a"] * (i % 3)} for i in range(50)]
    for seq, rec in enumerate(records, 1):
        raw = orjson.dumps(rec)
        plain.put_bytes(rec["id"], raw, seq)
        packed.put_bytes(rec["id"], raw, seq)
    assert all(packed.get_bytes(i) == plain.get_bytes(i) for i in plain.ids())
    assert list(packed.values_bytes()) == list(plain.values_bytes())
    assert packed.get("id7") == records[7] and packed.get("nope") is None
    assert sum(map(len, packed.data.values())) < sum(map(len, plain.data.values()))


def test_compressed_organisation_is_the_same_organisation() -> None:
    plain = Emulator(EmulatorConfig(seed=5, candidates=40, compress_records=False)).state
    packed = Emulator(EmulatorConfig(seed=5, candidates=40, compress_records=True)).state
    for kind, ks in plain.kinds.items():
        other = packed.kinds[kind]
        assert other.compress and list(other.data) == list(ks.data)
        assert list(other.values_bytes()) == list(ks.values_bytes()), kind


def _all(api: Any, op: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    body: dict[str, Any] = {"limit": 7}
    while True:
        data = api.call(op, body)
        out.extend(data["results"])
        if not data["moreDataAvailable"]:
            return out
        body = {"limit": 7, "cursor": data["nextCursor"]}


def test_compressed_emulator_serves_reads_and_writes() -> None:
    with emulator_api(seed=6, candidates=25, compress_records=True) as api:
        cands = _all(api, "candidate.list")
        assert len(cands) == 25
        first = cands[0]
        assert api.ok("candidate.info", {"id": first["id"]}) == first
        updated = api.ok("candidate.update", {"candidateId": first["id"], "name": "Packed Name"})
        assert api.ok("candidate.info", {"id": first["id"]})["name"] == "Packed Name" == updated["name"]
        assert len(_all(api, "application.list")) > 0


def test_index_keeps_bare_ids_for_single_values() -> None:
    ks = KindStore("application")
    ks.add_index("jobId", "j1", "a1")
    assert ks.index["jobId"]["j1"] == "a1" and ks.lookup("jobId", "j1") == {"a1"}
    ks.add_index("jobId", "j1", "a1")
    ks.add_index("jobId", "j1", "a2")
    assert ks.lookup("jobId", "j1") == {"a1", "a2"}
    ks.lookup("jobId", "j1").clear()  # a copy: the index is unchanged
    ks.drop_index("jobId", "j1", "a1")
    assert ks.lookup("jobId", "j1") == {"a2"}
    ks.put_bytes("a2", b'{"id":"a2"}', 1)
    ks.add_index("jobId", "j2", "a2")
    ks.remove("a2")
    assert ks.lookup("jobId", "j1") == set() and ks.lookup("jobId", "j2") == set()
    assert ks.lookup("nope", "x") == set()
