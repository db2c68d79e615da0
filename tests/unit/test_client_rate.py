"""The rate budget is one token bucket per key, shared by every client, thread and task."""

from __future__ import annotations

import asyncio
import threading
import time
from unittest.mock import patch

import httpx
import pytest
import respx

from ashby_connector import AshbyClient, AsyncAshbyClient
from ashby_connector.client import RetryPolicy, TokenBucket, _rate, bucket_for
from ashby_connector.client._rate import HEADROOM, reset_registry

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
    bucket = TokenBucket(per_minute=600)  # 10/s budget: 9.7/s with a one-second burst of 9.7
    rate = 600 / 60 * HEADROOM
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
    assert waits[8] == 0  # the burst (one second) goes out at once
    assert waits[10] > 0
    # 150.3 requests beyond the burst at 9.7/s: the last one waits about 15.5 s.
    assert (160 - rate) / rate - 0.3 < waits[-1] < (160 - rate) / rate + 0.3


def test_no_sixty_second_window_ever_exceeds_the_budget() -> None:
    """Simulated clock: a sliding-minute server (the emulator's) never sees more than the budget."""
    now = [1000.0]
    with patch.object(_rate.time, "monotonic", lambda: now[0]):
        bucket = TokenBucket(per_minute=1000)
        sends: list[float] = []
        while now[0] < 1000 + 240:
            wait = bucket.reserve()
            sends.append(now[0] + wait)
            now[0] += wait
            if len(sends) == 700:
                now[0] += 20  # idle: the burst refills, then a busy stretch again
    start = 0
    worst = 0
    for end, t in enumerate(sends):
        while t - sends[start] >= 60:
            start += 1
        worst = max(worst, end - start + 1)
    assert worst <= 990  # slack left for network jitter
    busy = [t for t in sends if 1000 + 180 <= t < 1000 + 240]
    assert len(busy) >= 950  # at least 95 % of the budget used when busy


def test_429_slows_the_bucket_a_little_and_honours_retry_after() -> None:
    bucket = TokenBucket(per_minute=600)
    before = bucket.current_rate_per_second
    bucket.penalize(retry_after=2.0)
    assert before * 0.6 < bucket.current_rate_per_second < before * 0.9
    assert bucket.reserve() >= 1.9


def test_429_without_retry_after_pauses_about_a_second_and_recovers_quickly() -> None:
    now = [50.0]
    with patch.object(_rate.time, "monotonic", lambda: now[0]):
        bucket = TokenBucket(per_minute=600)
        full = bucket.current_rate_per_second
        for _ in range(5):  # five requests in flight hit the same full window
            bucket.penalize()
        assert bucket.current_rate_per_second == pytest.approx(full * 0.8)  # counted once
        assert 0.9 < bucket.reserve() < 1.5
        now[0] += 7
        bucket.reserve()
        assert bucket.current_rate_per_second == pytest.approx(full)  # back to full speed


def test_repeated_429s_keep_slowing_down_to_a_floor() -> None:
    now = [0.0]
    with patch.object(_rate.time, "monotonic", lambda: now[0]):
        bucket = TokenBucket(per_minute=600)
        full = bucket.current_rate_per_second
        for _ in range(40):
            bucket.penalize()
            now[0] += 1.0
        assert bucket.current_rate_per_second < full * 0.2


def test_budget_throttles_threads_and_tasks_together() -> None:
    # 3,000/min = 48.5/s with a burst of 48.5: 110 requests need at least ~1.27 s.
    per_minute = 3000
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
    assert elapsed >= 1.2


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
            assert bucket.current_rate_per_second < 100 * HEADROOM * 0.85
