"""The sizing sweep's data: its points (workers x threads x embedder batching), the steps measured at each, and
the choice of the best point under a latency objective."""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from tools.loadtest import jtl

_log = logging.getLogger(__name__)

DEFAULT_WORKERS = (1, 2, 3)
DEFAULT_THREADS = (2, 8)
DEFAULT_MAX_BATCH_SIZES = (64,)
DEFAULT_MAX_WAIT_MS = (2.0,)
DEFAULT_USERS = (1, 2, 4, 8)
DEFAULT_STEP_SECONDS = 8
DEFAULT_WARMUP_SECONDS = 5
DEFAULT_OBJECTIVE_MS = 100.0
DEFAULT_PERCENTILE = 95
DEFAULT_MAX_ERROR_RATE = 0.01
DEFAULT_PLAN = "classify-batch1"
DEFAULT_MODEL = "phi-type"
# Points within this share of the best capacity count as equally good; the smaller one wins.
CAPACITY_TOLERANCE = 0.05
# Left out of each step's figures: the ramp-up of its users.
_STEP_RAMPUP_S = 1
_STEP_SKIP_S = 2.0
# JMeter's clock starts with its threads, but their first request waits for the HTTP client to
# initialise (seconds on a busy machine); runs last this much longer so a step measures its
# full --step-seconds.
_JMETER_INIT_S = 3
# A hung request fails the step quickly instead of holding it up.
_RESPONSE_TIMEOUT_MS = 10_000
_START_TIMEOUT_S = 240.0
_ROWS_PER_STEP = 40_000


@dataclass(frozen=True)
class Point:
    """One configuration of the stack: classifier workers and threads, embedder batching."""

    workers: int
    threads: int
    max_batch_size: int
    max_wait_ms: float

    @property
    def label(self) -> str:
        return f"{self.workers}w x {self.threads}t, batch {self.max_batch_size}, wait {self.max_wait_ms:g} ms"

    @property
    def embedder(self) -> tuple[int, float]:
        return (self.max_batch_size, self.max_wait_ms)


@dataclass(frozen=True)
class Step:
    """The figures of one point at one concurrency (JMeter users)."""

    point: Point
    users: int
    count: int
    throughput: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    error_rate: float
    # 1-minute load average when the step ended: a step measured while other work ran on the
    # machine shows it here, and its figures deserve less trust.
    load_avg: float = math.nan

    def latency(self, percentile: int) -> float:
        return {50: self.p50_ms, 90: self.p90_ms, 95: self.p95_ms, 99: self.p99_ms}[percentile]

    def meets(self, objective_ms: float, percentile: int = DEFAULT_PERCENTILE,
              max_error_rate: float = DEFAULT_MAX_ERROR_RATE) -> bool:
        value = self.latency(percentile)
        return self.count > 0 and not math.isnan(value) and value <= objective_ms \
            and self.error_rate <= max_error_rate

    @classmethod
    def from_stats(cls, point: Point, users: int, stats: jtl.Stats, load_avg: float = math.nan) -> "Step":
        return cls(point, users, stats.count, stats.throughput, stats.p50_ms, stats.p90_ms, stats.p95_ms,
                   stats.p99_ms, stats.error_rate, load_avg)


@dataclass
class PointResult:
    point: Point
    steps: list[Step] = field(default_factory=list)
    error: str | None = None  # why the point could not be measured (a service did not start)

    def capacity(self, objective_ms: float, percentile: int = DEFAULT_PERCENTILE,
                 max_error_rate: float = DEFAULT_MAX_ERROR_RATE) -> Step | None:
        """The step with the most throughput among those that met the objective."""
        ok = [s for s in self.steps if s.meets(objective_ms, percentile, max_error_rate)]
        return max(ok, key=lambda s: s.throughput) if ok else None


def grid(workers: Iterable[int], threads: Iterable[int], max_batch_sizes: Iterable[int],
         max_wait_ms: Iterable[float]) -> list[Point]:
    """Every combination, ordered so the embedder restarts as rarely as possible."""
    return [Point(w, t, b, m) for (b, m), w, t in
            itertools.product(itertools.product(max_batch_sizes, max_wait_ms), workers, threads)]


def choose_best(results: Sequence[PointResult], objective_ms: float, percentile: int = DEFAULT_PERCENTILE,
                max_error_rate: float = DEFAULT_MAX_ERROR_RATE,
                tolerance: float = CAPACITY_TOLERANCE) -> PointResult | None:
    """The point with the most capacity; among those within `tolerance` of it, the smallest."""
    scored = [(r, r.capacity(objective_ms, percentile, max_error_rate)) for r in results]
    scored = [(r, s) for r, s in scored if s is not None]
    if not scored:
        return None
    top = max(s.throughput for _, s in scored)
    close = [r for r, s in scored if s.throughput >= (1.0 - tolerance) * top]
    return min(close, key=lambda r: (r.point.workers, r.point.threads, -r.capacity(
        objective_ms, percentile, max_error_rate).throughput))
