"""The LRU cache: eviction order, recency, counters, maxsize 0 and thread safety."""

import threading

import pytest

from services.embedder.cache import LRUCache


def test_when_full_then_the_least_recently_used_entry_is_evicted():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None
    assert cache.get("a") == 1 and cache.get("c") == 3
    assert cache.stats().evictions == 1


def test_hits_misses_and_size_are_counted():
    cache = LRUCache(10)
    cache.put_many([("a", 1), ("b", 2)])
    cache.get("a")
    cache.get("zzz")
    s = cache.stats()
    assert (s.hits, s.misses, s.size, s.maxsize) == (1, 1, 2, 10)
    assert s.hit_rate == 0.5


def test_when_peeking_then_nothing_is_counted_or_refreshed():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.peek("a") == 1
    cache.put("c", 3)  # "a" was not refreshed by peek, so it goes
    assert cache.peek("a") is None
    assert cache.stats().hits == 0 and cache.stats().misses == 0


def test_when_maxsize_is_zero_then_nothing_is_kept():
    cache = LRUCache(0)
    cache.put("a", 1)
    assert cache.get("a") is None and len(cache) == 0


def test_when_maxsize_is_negative_then_it_is_refused():
    with pytest.raises(ValueError):
        LRUCache(-1)


def test_when_many_threads_read_and_write_then_counts_add_up_and_size_stays_bounded():
    cache = LRUCache(100)
    threads, per_thread = 8, 2000

    def work(n: int) -> None:
        for i in range(per_thread):
            key = (n * 7 + i) % 300
            if cache.get(key) is None:
                cache.put(key, i)

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    s = cache.stats()
    assert s.hits + s.misses == threads * per_thread
    assert s.size == 100
