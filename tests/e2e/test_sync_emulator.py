"""End to end: sync from the emulator; the store must equal the emulator's state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ashby_connector.client import AshbyClient
from ashby_connector.emulator import EmulatorHandle, run_emulator
from ashby_connector.errors import AuthenticationError
from ashby_connector.store import Store
from ashby_connector.sync import SyncAbortedError, SyncEngine
from ashby_connector.sync.policies import every_child

# Streams compared record by record (top-level, incremental, and a child list).
COMPARED = {
    "candidate": ("candidate.list", None),
    "application": ("application.list", None),
    "job": ("job.list", None),
    "user": ("user.list", {"includeDeactivated": True}),
    "offer": ("offer.list", None),
}


def _client(emu: EmulatorHandle, **kw: Any) -> AshbyClient:
    return AshbyClient(emu.api_key, base_url=emu.base_url, rate_limit_per_minute=None, **kw)


def emulator_records(emu: EmulatorHandle, operation: str, body: dict[str, Any] | None) -> dict[str, Any]:
    with _client(emu) as client:
        return {r["id"]: r for page in client.pages(operation, body) for r in page.results}


def assert_store_equals_emulator(
    store: Store, emu: EmulatorHandle, connection_id: str = "default", kinds: list[str] | None = None
) -> None:
    for kind, (operation, body) in COMPARED.items():
        if kinds is not None and kind not in kinds:
            continue
        expected = emulator_records(emu, operation, body)
        stored = {r.id: r.raw for r in store.list(connection_id, kind, limit=100_000).records}
        assert stored.keys() == expected.keys(), f"{kind}: ids differ"
        stale = [i for i in expected if stored[i] != expected[i]]
        assert not stale, f"{kind}: {len(stale)} stale records"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'ashby.db'}") as s:
        yield s


def mutate_some(emu: EmulatorHandle) -> None:
    with _client(emu) as client:
        jobs = client.call("job.list", {})
        for i in range(5):
            cand = client.call("candidate.create", {"name": f"New {i}", "email": f"new{i}@example.com"})
            client.call("application.create", {"candidateId": cand["id"], "jobId": jobs[0]["id"]})
    emu.control.mutate(kind="candidate", count=7, set={"company": "Renamed Inc"})


def test_full_then_incremental_matches_emulator(fresh_emulator: EmulatorHandle, store: Store) -> None:
    # Every child list fetched: the incremental run must cost a fraction of that whole copy.
    eager = every_child("eager")
    with _client(fresh_emulator) as client:
        full = SyncEngine(client, store, children=eager).run()
        assert full.ok, [(s.stream, s.error) for s in full.streams if s.error]
        assert_store_equals_emulator(store, fresh_emulator)
        mutate_some(fresh_emulator)
        inc = SyncEngine(client, store, children=eager).run()
    assert inc.ok
    by = {s.stream: s for s in inc.streams}
    assert by["candidate"].mode == "incremental" and by["candidate"].fetched == 12
    # Only changes: one page per top-level list, one request per changed parent per child list.
    assert all(s.requests <= 2 for s in inc.streams if s.stream in COMPARED)
    assert by["candidateNote"].requests == 12 and by["applicationHistory"].requests == 5
    assert_store_equals_emulator(store, fresh_emulator)


def test_faults_of_every_kind_leave_no_record_lost_duplicated_or_stale(store: Store) -> None:
    faults = "500:0.02,502:0.02,503:0.02,429:0.01,timeout:0.01,reset:0.01,truncate:0.01,hang_s:1.5"
    with run_emulator(seed=3, candidates=60, rate_limit_per_minute=None) as emu:
        with _client(emu, timeout=1.0, max_retries=6) as client:
            emu.control.set_faults(faults)
            full = SyncEngine(client, store, concurrency=4).run()
            assert full.ok, [(s.stream, s.error) for s in full.streams if s.error]
            emu.control.set_faults(None)
            mutate_some(emu)
            emu.control.set_faults(faults)
            inc = SyncEngine(client, store, concurrency=4).run()
            assert inc.ok, [(s.stream, s.error) for s in inc.streams if s.error]
            injected = emu.control.stats()["faults"]
            emu.control.set_faults(None)
        assert sum(injected.values()) > 0, injected  # the faults really happened
        assert_store_equals_emulator(store, emu)


def test_expired_tokens_fall_back_to_full_and_converge(fresh_emulator: EmulatorHandle, store: Store) -> None:
    """The integration guide's first scenario: sync all users, survive sync_token_expired."""
    with _client(fresh_emulator) as client:
        assert SyncEngine(client, store, streams=["user"]).run().ok
        fresh_emulator.control.expire_tokens()
        report = SyncEngine(client, store, streams=["user"]).run()
    assert report.ok
    assert report.streams[0].mode == "full (fallback)"
    assert any("sync_token_expired" in n for n in report.streams[0].notes)
    users = emulator_records(fresh_emulator, "user.list", {"includeDeactivated": True})
    assert {r.id for r in store.list("default", "user", limit=1000).records} == set(users)


def test_missing_permission_skips_streams_with_one_warning(
    fresh_emulator: EmulatorHandle, store: Store
) -> None:
    key = fresh_emulator.control.add_key(permissions=["organizationRead", "apiKeysRead"])
    with AshbyClient(key, base_url=fresh_emulator.base_url, rate_limit_per_minute=None) as client:
        report = SyncEngine(client, store).run()
    streams = {s.stream for s in report.streams}
    assert "user" in streams and "candidate" not in streams
    assert report.ok, [(s.stream, s.error) for s in report.streams if s.error]
    assert len(report.warnings) == 1 and "candidatesRead" in report.warnings[0]


def test_refused_key_is_an_authentication_error_and_aborts(
    fresh_emulator: EmulatorHandle, store: Store
) -> None:
    # The emulator refuses an unknown key with HTTP 403 invalid_api_key, as Ashby does.
    with AshbyClient("not-a-key", base_url=fresh_emulator.base_url, rate_limit_per_minute=None) as client:
        with pytest.raises(AuthenticationError) as info:
            client.call("apiKey.info", {})
        assert info.value.http_status == 403 and info.value.code == "invalid_api_key"
        with pytest.raises(SyncAbortedError, match="refused"):
            SyncEngine(client, store).run()
    assert store.stream_states("default") == []


def test_incremental_too_large_falls_back_to_full(fresh_emulator: EmulatorHandle, store: Store) -> None:
    with _client(fresh_emulator) as client:
        assert SyncEngine(client, store, streams=["candidate"]).run().ok
        fresh_emulator.control.configure(incremental_too_large_threshold=3)
        fresh_emulator.control.mutate("candidate", count=10, set={"company": "Big Change"})
        report = SyncEngine(client, store, streams=["candidate"]).run()
        fresh_emulator.control.configure(incremental_too_large_threshold=None)
    assert report.ok and report.streams[0].mode == "full (fallback)"
    assert any("incremental_sync_too_large" in n for n in report.streams[0].notes)
    assert_store_equals_emulator(store, fresh_emulator, kinds=["candidate"])


def test_a_feature_the_account_lacks_is_unavailable(fresh_emulator: EmulatorHandle, store: Store) -> None:
    """Audit logs are not enabled in the emulated account, as in most Ashby accounts."""
    with _client(fresh_emulator) as client:
        report = SyncEngine(client, store, "default", streams=None).run()
        audit = next(s for s in report.streams if s.stream == "auditLog")
        assert audit.status == "unavailable" and "audit_logs_not_enabled" in (audit.error or "")
        assert any("auditLog" in w and "not enabled" in w for w in report.warnings)
        assert report.ok, "a feature the account lacks is not a failed sync"

        # Asked for by name, the stream could not do what was asked: the run did not finish.
        named = SyncEngine(client, store, "default", streams=["auditLog"]).run()
        assert not named.ok and named.streams[0].status == "failed"
