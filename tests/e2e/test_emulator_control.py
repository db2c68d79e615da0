"""The /_emulator/ control API: admin-only, and each action does what tests and demos rely on."""

from __future__ import annotations

import httpx

from ashby_connector.emulator import EmulatorHandle


def test_admin_key_required(emulator: EmulatorHandle) -> None:
    url = f"{emulator.base_url}/_emulator/stats"
    assert httpx.post(url, json={}).status_code == 401
    assert (
        httpx.post(url, json={}, headers={"Authorization": f"Bearer {emulator.api_key}"}).status_code == 401
    )
    ok = httpx.post(url, json={}, headers={"Authorization": f"Bearer {emulator.admin_key}"})
    assert ok.status_code == 200 and ok.json()["counts"]["candidate"] == 200
    unknown = httpx.post(
        f"{emulator.base_url}/_emulator/nope", headers={"Authorization": f"Bearer {emulator.admin_key}"}
    )
    assert unknown.status_code == 404


def test_reset_regenerates_and_keeps_added_keys(fresh_emulator: EmulatorHandle) -> None:
    emu = fresh_emulator
    key = emu.control.add_key(permissions=["jobsRead"])
    before = emu.control.ids("candidate", limit=5)
    emu.control.put("candidate", {**(emu.control.get("candidate", before[0]) or {}), "name": "Changed"})
    stats = emu.control.reset(candidates=30)
    assert stats["counts"]["candidate"] == 30
    # Same seed, same stream of records: the first ids come back, without the change.
    assert emu.control.ids("candidate", limit=5) == before
    assert emu.control.get("candidate", before[0])["name"] != "Changed"  # type: ignore[index]
    assert httpx.post(f"{emu.base_url}/job.list", json={}, auth=(key, "")).status_code == 200
    emu.control.reset(seed=3, candidates=60)
    assert emu.control.ids("candidate", limit=5) != before


def test_put_get_delete(fresh_emulator: EmulatorHandle) -> None:
    emu = fresh_emulator
    rec = emu.control.put("candidateTag", {"title": "From control", "isArchived": False})
    assert emu.control.get("candidateTag", rec["id"])["title"] == "From control"  # type: ignore[index]
    tags = httpx.post(f"{emu.base_url}/candidateTag.list", json={}, auth=(emu.api_key, "")).json()["results"]
    assert rec["id"] in {t["id"] for t in tags}
    emu.control.call("delete", kind="candidateTag", id=rec["id"])
    assert emu.control.get("candidateTag", rec["id"]) is None
