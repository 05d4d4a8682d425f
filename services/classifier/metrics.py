"""The classifier's Prometheus metrics: predictions and latency per model, embedder latency, store lag, spool depth.

Created get-or-create in a given registry, so several apps in one test process share them.
Under gunicorn, PROMETHEUS_MULTIPROC_DIR makes them per-worker files that /metrics sums;
the gauges say how to combine workers (`multiprocess_mode`).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from services.classifier.inference import RecorderMetrics

# Request latency is dominated by the embedder: milliseconds to a few seconds.
_LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048)
_LAG_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)


def _get(registry: CollectorRegistry, kind: type, name: str, doc: str, labels: list[str] | None = None, **kw):
    existing = getattr(registry, "_names_to_collectors", {}).get(name)
    if existing is not None:
        return existing
    return kind(name, doc, labels or [], registry=registry, **kw)


class ClassifierMetrics(RecorderMetrics):
    def __init__(self, registry: CollectorRegistry):
        self.predictions = _get(registry, Counter, "veil_classifier_predict_requests_total",
                                "Predict requests by model and outcome", ["model", "outcome"])
        self.texts = _get(registry, Counter, "veil_classifier_texts_total",
                          "Texts classified, by model and version", ["model", "version"])
        self.latency = _get(registry, Histogram, "veil_classifier_predict_seconds",
                            "Predict latency (embedder + head) by model", ["model"], buckets=_LATENCY_BUCKETS)
        self.head_latency = _get(registry, Histogram, "veil_classifier_head_seconds",
                                 "Time in the Keras head by model", ["model"], buckets=_LATENCY_BUCKETS)
        self.batch = _get(registry, Histogram, "veil_classifier_request_texts",
                          "Texts per predict request by model", ["model"], buckets=_BATCH_BUCKETS)
        self.embedder_latency = _get(registry, Histogram, "veil_classifier_embedder_seconds",
                                     "Embedder call latency as the classifier sees it", ["outcome"],
                                     buckets=_LATENCY_BUCKETS)
        self.active_version = _get(registry, Gauge, "veil_classifier_active_version",
                                   "1 for the version each worker served its last request of a model with",
                                   ["model", "version"], multiprocess_mode="liveall")
        self.store_written = _get(registry, Counter, "veil_inference_records_written_total",
                                  "Inference records inserted into the database")
        self.store_spooled = _get(registry, Counter, "veil_inference_records_spooled_total",
                                  "Inference records written to the local spool (database unreachable)")
        self.store_dropped = _get(registry, Counter, "veil_inference_records_dropped_total",
                                  "Inference records lost: spool full or refused by the database", ["reason"])
        self.store_lag = _get(registry, Histogram, "veil_inference_store_lag_seconds",
                              "Delay from prediction to database commit (oldest record of each batch)",
                              buckets=_LAG_BUCKETS)
        self.store_pending = _get(registry, Gauge, "veil_inference_records_pending",
                                  "Inference records queued in memory", multiprocess_mode="livesum")
        self.spool_records = _get(registry, Gauge, "veil_inference_spool_records",
                                  "Inference records waiting in the durable spool", multiprocess_mode="livemax")
        self.spool_bytes = _get(registry, Gauge, "veil_inference_spool_bytes",
                                "Size of the durable spool in bytes", multiprocess_mode="livemax")
        self.store_up = _get(registry, Gauge, "veil_inference_store_up",
                             "1 when the last database write succeeded", multiprocess_mode="livemin")

    # RecorderMetrics hooks, called by the inference recorder's thread.

    def written(self, count: int, lag_seconds: float) -> None:
        self.store_written.inc(count)
        self.store_lag.observe(lag_seconds)

    def spooled(self, count: int) -> None:
        self.store_spooled.inc(count)

    def dropped(self, count: int, reason: str) -> None:
        self.store_dropped.labels(reason).inc(count)

    def pending(self, count: int) -> None:
        self.store_pending.set(count)

    def spool_depth(self, records: int, size_bytes: int) -> None:
        self.spool_records.set(records)
        self.spool_bytes.set(size_bytes)

    def database_up(self, up: bool) -> None:
        self.store_up.set(1 if up else 0)
