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

    def __init__(self, cache: LRUCache, queue_depth: Callable[[], int], token_cache: LRUCache | None = None):
        self._cache = cache
        self._queue_depth = queue_depth
        self._token_cache = token_cache

    def collect(self) -> Iterator:
        s = self._cache.stats()
        yield CounterMetricFamily("veil_embedder_cache_hits", "Texts answered from the cache.", value=s.hits)
        yield CounterMetricFamily("veil_embedder_cache_misses", "Texts not in the cache.", value=s.misses)
        yield CounterMetricFamily("veil_embedder_cache_evictions", "Entries evicted by the LRU.", value=s.evictions)
        yield GaugeMetricFamily("veil_embedder_cache_size", "Vectors in the cache.", value=s.size)
        yield GaugeMetricFamily("veil_embedder_cache_maxsize", "Cache capacity.", value=s.maxsize)
        yield GaugeMetricFamily("veil_embedder_queue_depth", "Texts waiting for the model.", value=self._queue_depth())
        if self._token_cache is not None:
            t = self._token_cache.stats()
            yield CounterMetricFamily("veil_embedder_token_cache_hits", "EmbedTokens texts answered from the cache.",
                                      value=t.hits)
            yield CounterMetricFamily("veil_embedder_token_cache_misses", "EmbedTokens texts not in the cache.",
                                      value=t.misses)
            yield CounterMetricFamily("veil_embedder_token_cache_evictions", "Token cache entries evicted.",
                                      value=t.evictions)
            yield GaugeMetricFamily("veil_embedder_token_cache_size", "Texts in the token cache.", value=t.size)
            yield GaugeMetricFamily("veil_embedder_token_cache_bytes", "Bytes of token vectors and offsets cached.",
                                    value=t.bytes)
            yield GaugeMetricFamily("veil_embedder_token_cache_max_bytes", "Token cache byte bound.", value=t.max_bytes)


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
        self.token_texts = Counter("veil_embedder_token_texts", "Texts received in EmbedTokens calls.", registry=r)
        self.tokens = Counter("veil_embedder_tokens", "Token vectors computed by the model (cache misses).",
                              registry=r)
        self.token_windows = Counter("veil_embedder_token_windows",
                                     "Model windows (of at most 256 tokens) run for EmbedTokens.", registry=r)
        self.token_batch_texts = Histogram("veil_embedder_token_batch_texts", "Texts per EmbedTokens model batch.",
                                           buckets=_BATCH_BUCKETS, registry=r)
        self.token_inference_seconds = Histogram("veil_embedder_token_inference_seconds",
                                                 "Model time per EmbedTokens batch (all its windows).",
                                                 buckets=_LATENCY_BUCKETS, registry=r)
        self.token_queue_wait_seconds = Histogram("veil_embedder_token_queue_wait_seconds",
                                                  "How long an EmbedTokens batch's oldest text waited.",
                                                  buckets=_LATENCY_BUCKETS, registry=r)
        self.model_info = Gauge("veil_embedder_model_info", "The loaded model (value 1).", ["name", "version"],
                                registry=r)

    def observer(self) -> Observer:
        def batch(size: int, seconds: float, waited: float) -> None:
            self.batch_size.observe(size)
            self.inference_seconds.observe(seconds)
            self.queue_wait_seconds.observe(waited)

        def token_batch(size: int, seconds: float, waited: float) -> None:
            self.token_batch_texts.observe(size)
            self.token_inference_seconds.observe(seconds)
            self.token_queue_wait_seconds.observe(waited)

        def tokens(n_tokens: int, windows: int) -> None:
            self.tokens.inc(n_tokens)
            self.token_windows.inc(windows)

        return Observer(batch=batch, preprocess=self.preprocess_seconds.observe, coalesced=self.coalesced.inc,
                        expired=self.expired.inc, token_batch=token_batch, tokens=tokens)

    def watch(self, cache: LRUCache, queue_depth: Callable[[], int], token_cache: LRUCache | None = None) -> None:
        self.registry.register(_LiveCollector(cache, queue_depth, token_cache))
