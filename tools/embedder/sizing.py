"""Cache sizing by measurement: replays a phrase log through the real LRUCache at a range of maxsizes.

For each size it reports the hit rate, the memory the cache would hold (bytes per entry
measured with tracemalloc on real keys and 384-d float32 rows) and the cost of a lookup
(timed during the replay). The recommendation is the smallest size whose miss rate is at most
(1 + tolerance) times the best size's, within the memory budget: misses are what costs model
time, so "1 point of hit rate" means little at 95% and a lot at 50%.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from services.embedder.cache import LRUCache
from services.embedder.texts import normalise

DEFAULT_TOLERANCE = 0.10
DEFAULT_MEMORY_BUDGET_MB = 1024
DEFAULT_DIMENSION = 384
_VERSION = "replay"  # every key carries the model version in the service; the replay mimics its shape


@dataclass(frozen=True)
class SizeResult:
    maxsize: int
    hit_rate: float
    entries: int
    memory_bytes: int
    lookup_ns: float


@dataclass(frozen=True)
class SizingReport:
    requests: int
    distinct: int
    bytes_per_entry: float
    results: list[SizeResult]
    recommended: SizeResult
    best_hit_rate: float
    tolerance: float

    def table(self) -> str:
        lines = [f"{'maxsize':>9}  {'hit rate':>8}  {'entries':>9}  {'memory MB':>9}  {'ns/lookup':>9}"]
        for r in self.results:
            mark = "  <- recommended" if r.maxsize == self.recommended.maxsize else ""
            lines.append(f"{r.maxsize:>9}  {r.hit_rate:>8.4f}  {r.entries:>9}  {r.memory_bytes / 2**20:>9.1f}  "
                         f"{r.lookup_ns:>9.0f}{mark}")
        return "\n".join(lines)


def read_phrase_log(path: str | Path) -> list[str]:
    """One phrase per line; blank lines are skipped (the service would refuse them)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def phrases_from_store(url: str, limit: int | None = None) -> list[str]:
    """The texts recorded in the inference store (`inference_records.input_text`), oldest first."""
    from services.classifier.inference import InferenceStore
    from veil.stores.db import Database

    store = InferenceStore(Database.from_url(url))
    try:
        return [t for t in store.input_texts(limit=limit) if t and t.strip()]
    finally:
        store.close()


def default_sizes(distinct: int) -> list[int]:
    """1-2-5 steps from 1,000 up to the first size that holds every distinct phrase."""
    sizes, base = [], 1000
    while True:
        for step in (1, 2, 5):
            size = base * step
            sizes.append(size)
            if size >= distinct:
                return sizes
        base *= 10


def bytes_per_entry(keys: Sequence[str], dimension: int = DEFAULT_DIMENSION, sample: int = 20000) -> float:
    """Measured, not estimated: key tuple, key string, row bytes and the OrderedDict's own share."""
    sample_keys = list(dict.fromkeys(keys))[:sample]
    if not sample_keys:
        return 0.0
    row = bytes(dimension * 4)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        cache = LRUCache(len(sample_keys))
        # Distinct row objects, as the service stores one per text; the key strings are copies too.
        cache.put_many(((_VERSION, k.encode().decode()), bytes(bytearray(row))) for k in sample_keys)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    size = len(cache)
    del cache
    return (after - before) / size


def replay(keys: Sequence[str], maxsize: int) -> tuple[float, float]:
    """(hit rate, ns per lookup) of the service's lookup-then-fill on a miss, through LRUCache."""
    cache = LRUCache(maxsize)
    row = b""
    get, put = cache.get, cache.put
    start = time.perf_counter()
    for key in keys:
        k = (_VERSION, key)
        if get(k) is None:
            put(k, row)
    seconds = time.perf_counter() - start
    s = cache.stats()
    return s.hit_rate, seconds / max(1, len(keys)) * 1e9


def size_cache(phrases: Iterable[str], sizes: Sequence[int] | None = None, tolerance: float = DEFAULT_TOLERANCE,
               memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB, case_insensitive: bool = True,
               dimension: int = DEFAULT_DIMENSION) -> SizingReport:
    keys = [normalise(p, case_insensitive) for p in phrases]
    keys = [k for k in keys if k]
    if not keys:
        raise ValueError("the phrase log holds no phrases")
    distinct = len(set(keys))
    sizes = sorted(set(sizes or default_sizes(distinct)))
    per_entry = bytes_per_entry(keys, dimension)
    results = []
    for size in sizes:
        hit_rate, ns = replay(keys, size)
        entries = min(size, distinct)
        results.append(SizeResult(size, hit_rate, entries, int(entries * per_entry), ns))
    recommended = recommend(results, tolerance, memory_budget_mb)
    return SizingReport(len(keys), distinct, per_entry, results, recommended,
                        max(r.hit_rate for r in results), tolerance)


def recommend(results: Sequence[SizeResult], tolerance: float, memory_budget_mb: float) -> SizeResult:
    """The smallest affordable size whose miss rate is at most (1 + tolerance) x the best one's."""
    best_miss = 1 - max(r.hit_rate for r in results)
    affordable = [r for r in results if r.memory_bytes <= memory_budget_mb * 2**20] or [results[0]]
    good = [r for r in affordable if 1 - r.hit_rate <= best_miss * (1 + tolerance) + 1e-12]
    return good[0] if good else affordable[-1]


def plot(report: SizingReport, path: str | Path, title: str = "") -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r.maxsize for r in report.results]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(sizes, [r.hit_rate for r in report.results], "o-", color="tab:blue", label="hit rate")
    ax.axvline(report.recommended.maxsize, color="tab:green", linestyle="--",
               label=f"recommended {report.recommended.maxsize:,}")
    ax.set_xscale("log")
    ax.set_xlabel("cache maxsize (entries)")
    ax.set_ylabel("hit rate")
    ax.set_ylim(0, 1)
    ax.grid(True, which="both", alpha=0.3)
    mem = ax.twinx()
    mem.plot(sizes, [r.memory_bytes / 2**20 for r in report.results], "s--", color="tab:orange", label="memory MB")
    mem.set_ylabel("memory (MB)")
    lines = ax.get_legend_handles_labels()
    lines2 = mem.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="lower right")
    ax.set_title(title or f"Embedder cache sizing: {report.requests:,} requests, {report.distinct:,} distinct")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
