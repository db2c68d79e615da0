"""The read cache stays within its memory bound, dropping the least recently used records first."""

from __future__ import annotations

from ashby_connector.core.resources.render_cache import CacheKey, RenderCache, Rendered


def _key(n: int, connection: str = "c1") -> CacheKey:
    return (connection, "atsCandidate", False, f"cand-{n}", None)


def _entry(size: int) -> Rendered:
    return Rendered("hash", b"mapped|[]", (), b"x" * size)


def test_the_bytes_kept_never_pass_the_bound_and_the_oldest_go_first() -> None:
    one = _entry(1000).size()
    cache = RenderCache(max_bytes=one * 3)
    for n in range(3):
        cache.put(_key(n), _entry(1000))
    assert cache.get_many([_key(0)])[0] is not None  # read: now the most recent
    cache.put(_key(3), _entry(1000))
    assert [e is not None for e in cache.get_many([_key(n) for n in range(4)])] == [True, False, True, True]
    assert cache.size_bytes == one * 3 and len(cache) == 3
    for n in range(4, 40):
        cache.put(_key(n), _entry(1000))
        assert cache.size_bytes <= cache.max_bytes


def test_a_replaced_entry_is_counted_once() -> None:
    cache = RenderCache(max_bytes=1_000_000)
    cache.put(_key(1), _entry(100))
    cache.put(_key(1), _entry(300))
    assert len(cache) == 1 and cache.size_bytes == _entry(300).size()


def test_an_entry_larger_than_the_whole_cache_is_not_kept() -> None:
    cache = RenderCache(max_bytes=500)
    cache.put(_key(1), _entry(10_000))
    assert len(cache) == 0 and cache.size_bytes == 0


def test_forgetting_a_connection_drops_only_its_records() -> None:
    cache = RenderCache(max_bytes=1_000_000)
    cache.put(_key(1, "c1"), _entry(10))
    cache.put(_key(2, "c2"), _entry(10))
    cache.forget_connection("c1")
    assert (cache.count("c1"), cache.count("c2")) == (0, 1)
    assert cache.size_bytes == _entry(10).size()


def test_size_zero_is_off() -> None:
    assert not RenderCache(0).enabled and RenderCache(1).enabled
