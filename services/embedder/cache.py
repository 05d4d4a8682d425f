"""A thread-safe O(1) LRU cache with hit, miss and eviction counters, used by the service and the sizing tool.

Bounded in entries and, optionally, in bytes: a token-vector entry for a paragraph is ~40x a
sentence vector and a 4,096-character text's ~1,000x, so an entry count alone says little
about memory there.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Hashable, Iterable


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    size: int
    maxsize: int
    evictions: int
    bytes: int = 0  # the values' bytes as `sizeof` counts them; 0 when the cache has no byte bound
    max_bytes: int = 0

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class LRUCache:
    """OrderedDict gives O(1) lookup, move-to-end and oldest-first eviction.

    One lock guards it; it is held only for dictionary operations, never while a model runs,
    so a hit never waits behind model work. maxsize 0 turns caching off (every lookup misses).
    With `max_bytes`, `sizeof(value)` is charged per entry and the oldest entries go until the
    total fits; a single value larger than `max_bytes` is not kept at all.
    """

    def __init__(self, maxsize: int, max_bytes: int = 0, sizeof: Callable[[object], int] | None = None):
        if maxsize < 0 or max_bytes < 0:
            raise ValueError("maxsize and max_bytes must be >= 0")
        if max_bytes and sizeof is None:
            raise ValueError("a byte bound needs sizeof")
        self.maxsize = maxsize
        self.max_bytes = max_bytes
        self._sizeof = sizeof if max_bytes else None
        self._data: OrderedDict[Hashable, object] = OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self._bytes = 0
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
        sizeof = self._sizeof
        if sizeof is not None:
            # Sizes are taken outside the lock: lookups never wait for them.
            items = [(key, value, sizeof(value)) for key, value in items]
            items = [item for item in items if item[2] <= self.max_bytes]
        with self._lock:
            data = self._data
            if sizeof is None:
                for key, value in items:
                    data[key] = value
                    data.move_to_end(key)
            else:
                sizes = self._sizes
                for key, value, size in items:
                    self._bytes += size - sizes.get(key, 0)
                    sizes[key] = size
                    data[key] = value
                    data.move_to_end(key)
            while len(data) > self.maxsize or self._bytes > self.max_bytes > 0:
                key, _ = data.popitem(last=False)
                if sizeof is not None:
                    self._bytes -= self._sizes.pop(key)
                self._evictions += 1

    def put(self, key: Hashable, value: object) -> None:
        self.put_many(((key, value),))

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._sizes.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._data)

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self._hits, self._misses, len(self._data), self.maxsize, self._evictions,
                              self._bytes, self.max_bytes)
