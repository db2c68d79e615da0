"""The /_emulator/ control API: admin-only, and each action does what tests and demos rely on."""

from __future__ import annotations

import httpx

from ashby_connector.emulator import EmulatorHandle, run_emulator


def test_admin_key_required(emulator: EmulatorHandle) -> None:
    url = f"{emulator.base_url}/_emulator/stats"
    assert httpx.post(url, json={}).status_code == 401
    assert (
        httpx.post(url, json={}, headers={"Authorization": f"Bearer {emulator.api_key}"}).status_code == 401
    )
    ok = httpx.post(url, json={}, headers={"Authorization": f"Bearer {emulator.admin_key}"})
    # The session's organisation, seeded with 200 candidates (other tests may have added some).
    assert ok.status_code == 200 and ok.json()["counts"] == emulator.state.counts()
    assert ok.json()["counts"]["candidate"] >= 200
    unknown = httpx.post(
        f"{emulator.base_url}/_emulator/nope", headers={"Authorization": f"Bearer {emulator.admin_key}"}
    )
    assert unknown.status_code == 404


def test_reset_restores_the_organisation_as_it_started() -> None:
    """What the shared ``fresh_emulator`` relies on: after a reset nothing a test added or changed
    is left, records, keys, limits, faults, webhook settings, token expiry or request counts."""
    with run_emulator(seed=5, candidates=20, rate_limit_per_minute=None) as emu:
        api = httpx.Client(base_url=emu.base_url, auth=(emu.api_key, ""), timeout=30)
        start_config = emu.control.configure()
        before = emu.control.ids("candidate", limit=5)
        first = emu.control.get("candidate", before[0]) or {}
        jobs = api.post("/job.list", json={})
        assert jobs.status_code == 200 and jobs.json()["success"] is True
        sync_token = _sync_token(api)
        # A test's changes: a record, a key, limits, token lifetimes, faults, a webhook, expiry.
        emu.control.put("candidate", {**first, "name": "Changed"})
        tag = emu.control.put("candidateTag", {"title": "Added by a test", "isArchived": False})
        key = emu.control.add_key(permissions=["jobsRead"])
        assert httpx.post(f"{emu.base_url}/job.list", json={}, auth=(key, "")).status_code == 200
        emu.control.configure(
            rate_limit_per_minute=5, cursor_ttl_seconds=1, incremental_too_large_threshold=3
        )
        emu.control.set_faults("job.list=500:1.0")
        assert api.post("/job.list", json={}).status_code == 500
        hook = api.post(
            "/webhook.create",
            json={"webhookType": "candidateHire", "requestUrl": "http://127.0.0.1:9/x", "secretToken": "s"},
        ).json()
        assert hook["success"] is True, hook
        assert emu.control.call("webhooks/settings")["webhooks"]
        emu.control.expire_tokens()
        assert _sync_token(api, sync_token) == "sync_token_expired"
        clock = emu.emulator.clock = lambda: 0.0
        assert emu.control.stats()["requests"]

        stats = emu.control.reset()

        assert stats["counts"]["candidate"] == 20 and stats["requests"] == {}
        assert emu.control.ids("candidate", limit=5) == before  # same seed: the same records
        assert emu.control.get("candidate", before[0]) == first
        assert emu.control.get("candidateTag", tag["id"]) is None
        refused = httpx.post(f"{emu.base_url}/job.list", json={}, auth=(key, ""))
        assert refused.status_code == 403 and refused.json()["errorInfo"]["code"] == "invalid_api_key"
        assert emu.control.configure() == start_config
        assert emu.control.stats()["faults"] == {} and emu.emulator.config.faults is None
        assert emu.emulator.clock is not clock
        assert emu.control.call("webhooks/settings")["webhooks"] == []
        assert api.post("/webhook.info", json={"webhookId": hook["results"]["id"]}).json()["success"] is False
        for _ in range(8):  # the limit of 5 a minute is gone
            assert api.post("/job.list", json={}).status_code == 200
        # Tokens of the organisation before are not this one's; its own work.
        assert _sync_token(api, sync_token) == "sync_token_invalid"
        assert _sync_token(api, _sync_token(api)) is None
        # The default key still works, and a new seed gives another organisation.
        emu.control.reset(seed=3, candidates=30)
        assert emu.control.stats()["counts"]["candidate"] == 30
        assert emu.control.ids("candidate", limit=5) != before
        assert api.post("/job.list", json={}).status_code == 200
        # ... this once: the next reset is the organisation the emulator started with.
        assert emu.control.reset()["counts"]["candidate"] == 20
        assert emu.control.ids("candidate", limit=5) == before
        api.close()


def _sync_token(api: httpx.Client, token: str | None = None) -> str | None:
    """Without ``token``: walk department.list and return its syncToken. With it: the error code an
    incremental call with that token answers (None when it succeeds)."""
    if token is None:
        body: dict[str, object] = {}
        while True:
            page = api.post("/department.list", json=body).json()
            assert page["success"] is True, page
            if not page.get("moreDataAvailable"):
                return str(page["syncToken"])
            body = {"cursor": page["nextCursor"]}
    page = api.post("/department.list", json={"syncToken": token}).json()
    return None if page["success"] else str(page["errorInfo"]["code"])


def test_put_get_delete(fresh_emulator: EmulatorHandle) -> None:
    emu = fresh_emulator
    rec = emu.control.put("candidateTag", {"title": "From control", "isArchived": False})
    assert emu.control.get("candidateTag", rec["id"])["title"] == "From control"  # type: ignore[index]
    tags = httpx.post(f"{emu.base_url}/candidateTag.list", json={}, auth=(emu.api_key, "")).json()["results"]
    assert rec["id"] in {t["id"] for t in tags}
    emu.control.call("delete", kind="candidateTag", id=rec["id"])
    assert emu.control.get("candidateTag", rec["id"]) is None
