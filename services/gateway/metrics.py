"""The gateway's Prometheus metrics: pipeline stage timings, jobs, entities, callbacks and the queue depth."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from veil.web import metric

# Stages take from milliseconds (risk) to minutes (a 500-page document's prediction).
_STAGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)


@dataclass(frozen=True)
class GatewayMetrics:
    stage_seconds: Histogram
    job_seconds: Histogram
    jobs: Counter
    entities: Counter
    callbacks: Counter
    queue: Gauge

    def observe_stage(self, stage: str, seconds: float) -> None:
        self.stage_seconds.labels(stage).observe(seconds)

    def set_queue(self, counts: dict[str, int]) -> None:
        for status, n in counts.items():
            self.queue.labels(status).set(n)


def gateway_metrics(registry: CollectorRegistry) -> GatewayMetrics:
    return GatewayMetrics(
        stage_seconds=metric(registry, Histogram, "veil_gateway_stage_seconds",
                             "De-identification pipeline time per stage and document", ["stage"],
                             buckets=_STAGE_BUCKETS),
        job_seconds=metric(registry, Histogram, "veil_gateway_job_seconds",
                           "Time from claiming a job to its end", ["status"], buckets=_STAGE_BUCKETS),
        jobs=metric(registry, Counter, "veil_gateway_jobs_finished", "Jobs ended, by status", ["status"]),
        entities=metric(registry, Counter, "veil_gateway_entities", "Entities redacted, by type and source",
                        ["type", "source"]),
        callbacks=metric(registry, Counter, "veil_gateway_callbacks", "Callback deliveries, by outcome",
                         ["outcome"]),
        # Every replica reads the same shared queue: the max over processes is the queue.
        queue=metric(registry, Gauge, "veil_gateway_jobs", "Jobs in the store by status (refreshed by workers)",
                     ["status"], multiprocess_mode="max"),
    )
