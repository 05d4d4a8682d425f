"""A thread-safe O(1) LRU cache with hit, miss and eviction counters, used by the service and the sizing tool."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Hashable, Iterable


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    size: int
    maxsize: int
    evictions: int

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class LRUCache:
    """OrderedDict gives O(1) lookup, move-to-end and oldest-first eviction.

    One lock guards it; it is held only for dictionary operations, never while a model runs,
    so a hit never waits behind model work. maxsize 0 turns caching off (every lookup misses).
    """

    def __init__(self, maxsize: int):
        if maxsize < 0:
            raise ValueError("maxsize must be >= 0")
        self.maxsize = maxsize
        self._data: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0
        self._evictions = 0

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            try:
                value = self._data[key]
            except KeyError:
                self._misses += 1
                return None
            self._data.move_to_end(key)
            self._hits += 1
            return value

    def peek(self, key: Hashable) -> object | None:
        """A lookup that neither counts nor refreshes the entry (for re-checks under another lock)."""
        with self._lock:
            return self._data.get(key)

    def put_many(self, items: Iterable[tuple[Hashable, object]]) -> None:
        if self.maxsize == 0:
            return
        with self._lock:
            data = self._data
            for key, value in items:
                data[key] = value
                data.move_to_end(key)
            while len(data) > self.maxsize:
                data.popitem(last=False)
                self._evictions += 1

    def put(self, key: Hashable, value: object) -> None:
        self.put_many(((key, value),))

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self._hits, self._misses, len(self._data), self.maxsize, self._evictions)
