"""The rate budget is one token bucket per key, shared by every client, thread and task."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
import respx

from ashby_connector import AshbyClient, AsyncAshbyClient
from ashby_connector.client import RetryPolicy, TokenBucket, bucket_for
from ashby_connector.client._rate import reset_registry

BASE = "http://ashby.test"


@pytest.fixture(autouse=True)
def fresh_registry() -> None:
    reset_registry()


def test_clients_with_the_same_key_share_one_bucket() -> None:
    a = AshbyClient("key-1", base_url=BASE)
    b = AsyncAshbyClient("key-1", base_url=BASE)
    c = AshbyClient("key-2", base_url=BASE)
    assert a._bucket is b._bucket
    assert a._bucket is not c._bucket
    assert a._bucket is not None and a._bucket.per_minute == 1000


def test_registry_is_keyed_by_a_hash_never_the_key() -> None:
    from ashby_connector.client import _rate

    AshbyClient("super-secret-key", base_url=BASE)
    assert all("super-secret-key" not in k for k in _rate._registry)


def test_none_disables_the_budget() -> None:
    assert AshbyClient("k", base_url=BASE, rate_limit_per_minute=None)._bucket is None


def test_bucket_reservations_across_threads_add_up() -> None:
    bucket = TokenBucket(per_minute=600)  # 10/s, burst of 50
    waits: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(20):
            wait = bucket.reserve()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    waits.sort()
    assert len(waits) == 160
    assert waits[49] == 0  # the burst goes out at once
    assert waits[50] > 0
    # 110 requests beyond the burst at 10/s: the last one waits about 11 s.
    assert 10.5 < waits[-1] < 11.5


def test_429_slows_the_bucket_and_honours_retry_after() -> None:
    bucket = TokenBucket(per_minute=600)
    before = bucket.current_rate_per_second
    bucket.penalize(retry_after=2.0)
    assert bucket.current_rate_per_second == pytest.approx(before / 2, rel=0.05)
    assert bucket.reserve() >= 1.9


def test_budget_throttles_threads_and_tasks_together() -> None:
    # 1,200/min = 20/s with a burst of 100: 110 requests need at least ~0.5 s.
    per_minute = 1200
    answer = {"success": True, "results": []}

    def sync_worker() -> None:
        with AshbyClient("shared", base_url=BASE, rate_limit_per_minute=per_minute) as c:
            for _ in range(30):
                c.call("candidate.list", {})

    async def async_workers() -> None:
        async with AsyncAshbyClient("shared", base_url=BASE, rate_limit_per_minute=per_minute) as c:
            await asyncio.gather(*(c.call("candidate.list", {}) for _ in range(50)))

    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/candidate.list").respond(200, json=answer)
        start = time.monotonic()
        threads = [threading.Thread(target=sync_worker) for _ in range(2)]
        for t in threads:
            t.start()
        asyncio.run(async_workers())
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
    assert route.call_count == 110
    assert elapsed >= 0.45


def test_a_429_through_the_client_penalises_the_shared_bucket() -> None:
    policy = RetryPolicy(max_retries=1, initial_delay=0.0)
    with respx.mock(base_url=BASE) as mock:
        mock.post("/candidate.list").mock(
            side_effect=[
                httpx.Response(429, json={"success": False}),
                httpx.Response(200, json={"success": True}),
            ]
        )
        with AshbyClient("pen", base_url=BASE, retry_policy=policy, rate_limit_per_minute=6000) as c:
            c.call("candidate.list")
            bucket = bucket_for(c._key.fingerprint(), 6000)
            assert bucket.current_rate_per_second < 100 * 0.6
