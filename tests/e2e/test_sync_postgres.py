"""The same sync into PostgreSQL: full, incremental, and concurrent streams writing at once."""

from __future__ import annotations

import pytest

from ashby_connector.client import AshbyClient
from ashby_connector.emulator import EmulatorHandle
from ashby_connector.store import Store
from ashby_connector.sync import SyncEngine
from tests.e2e.test_sync_emulator import assert_store_equals_emulator, mutate_some


@pytest.mark.postgres
def test_full_and_incremental_into_postgres(fresh_emulator: EmulatorHandle, postgres_db: str) -> None:
    with (
        Store.open(postgres_db) as store,
        AshbyClient(
            fresh_emulator.api_key, base_url=fresh_emulator.base_url, rate_limit_per_minute=None
        ) as client,
    ):
        full = SyncEngine(client, store, concurrency=6).run()
        assert full.ok, [(s.stream, s.error) for s in full.streams if s.error]
        assert_store_equals_emulator(store, fresh_emulator)
        mutate_some(fresh_emulator)
        inc = SyncEngine(client, store).run()
        assert inc.ok
        assert {s.stream: s.mode for s in inc.streams}["candidate"] == "incremental"
        assert_store_equals_emulator(store, fresh_emulator)
