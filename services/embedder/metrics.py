"""The embedder's Prometheus metrics: calls, batches, queue, cache counters (read from the cache at scrape time)."""

from __future__ import annotations

from typing import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from services.embedder.cache import LRUCache
from services.embedder.service import Observer

_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _LiveCollector(Collector):
    """Cache and queue figures read when Prometheus scrapes, so the hot path only touches plain ints."""

    def __init__(self, cache: LRUCache, queue_depth: Callable[[], int]):
        self._cache = cache
        self._queue_depth = queue_depth

    def collect(self) -> Iterator:
        s = self._cache.stats()
        yield CounterMetricFamily("veil_embedder_cache_hits", "Texts answered from the cache.", value=s.hits)
        yield CounterMetricFamily("veil_embedder_cache_misses", "Texts not in the cache.", value=s.misses)
        yield CounterMetricFamily("veil_embedder_cache_evictions", "Entries evicted by the LRU.", value=s.evictions)
        yield GaugeMetricFamily("veil_embedder_cache_size", "Vectors in the cache.", value=s.size)
        yield GaugeMetricFamily("veil_embedder_cache_maxsize", "Cache capacity.", value=s.maxsize)
        yield GaugeMetricFamily("veil_embedder_queue_depth", "Texts waiting for the model.", value=self._queue_depth())


class EmbedderMetrics:
    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.calls = Counter("veil_embedder_calls", "gRPC calls by method and status code.", ["method", "code"],
                             registry=r)
        self.call_seconds = Histogram("veil_embedder_call_seconds", "gRPC call latency.", ["method"],
                                      buckets=_LATENCY_BUCKETS, registry=r)
        self.texts = Counter("veil_embedder_texts", "Texts received in Embed calls.", registry=r)
        self.preprocess_seconds = Histogram("veil_embedder_preprocess_seconds",
                                            "Validation, normalisation and cache lookups per call.",
                                            buckets=_LATENCY_BUCKETS, registry=r)
        self.batch_size = Histogram("veil_embedder_batch_size", "Texts per model call.", buckets=_BATCH_BUCKETS,
                                    registry=r)
        self.inference_seconds = Histogram("veil_embedder_inference_seconds", "Model time per batch.",
                                           buckets=_LATENCY_BUCKETS, registry=r)
        self.queue_wait_seconds = Histogram("veil_embedder_queue_wait_seconds",
                                            "How long a batch's oldest text waited for the model.",
                                            buckets=_LATENCY_BUCKETS, registry=r)
        self.coalesced = Counter("veil_embedder_coalesced_texts",
                                 "Texts that joined another call's computation (single flight).", registry=r)
        self.expired = Counter("veil_embedder_expired_texts",
                               "Texts dropped before the model because their deadline had passed.", registry=r)
        self.model_info = Gauge("veil_embedder_model_info", "The loaded model (value 1).", ["name", "version"],
                                registry=r)

    def observer(self) -> Observer:
        def batch(size: int, seconds: float, waited: float) -> None:
            self.batch_size.observe(size)
            self.inference_seconds.observe(seconds)
            self.queue_wait_seconds.observe(waited)

        return Observer(batch=batch, preprocess=self.preprocess_seconds.observe, coalesced=self.coalesced.inc,
                        expired=self.expired.inc)

    def watch(self, cache: LRUCache, queue_depth: Callable[[], int]) -> None:
        self.registry.register(_LiveCollector(cache, queue_depth))
