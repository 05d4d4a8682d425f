"""The JMeter load of a sizing sweep: a warm-up or a measured step at one concurrency, fresh Zipf draws each run."""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path

from tools.loadtest import jtl
from tools.loadtest.sizing_points import (
    _JMETER_INIT_S,
    _RESPONSE_TIMEOUT_MS,
    _ROWS_PER_STEP,
    _STEP_RAMPUP_S,
    _STEP_SKIP_S,
    Point,
    Step,
)

_log = logging.getLogger(__name__)


class JMeterLoad:
    """Runs the plan for a warm-up or a measured step; each step reads fresh Zipf draws from one pool."""

    def __init__(self, folder: Path, jmeter, plan: str, model: str, step_seconds: int):
        from tools.loadtest import samples

        self.folder = folder
        self.jmeter = jmeter
        self.plan = plan
        self.model = model
        self.step_seconds = step_seconds
        self.batch = 32 if plan == "classify-batch32" else 1
        self.pool = samples.phrase_pool()
        self._files = 0

    def _samples(self) -> Path:
        """A new CSV per run: later points must not replay phrases the cache saw for earlier ones
        (popular phrases still repeat across runs, as in production)."""
        from tools.loadtest import samples

        self._files += 1
        path = self.folder / "samples" / f"run-{self._files}.csv"
        rows = max(1, _ROWS_PER_STEP // self.batch)
        samples.write_classify_csv(path, self.pool, rows, self.batch, seed=1000 + self._files)
        return path

    def _run(self, name: str, port: int, users: int, seconds: int, skip_s: float) -> jtl.Summary:
        from tools.loadtest import runner

        samples_csv = self._samples()
        props = {"host": "127.0.0.1", "port": port, "threads": users, "rampup": _STEP_RAMPUP_S,
                 "duration": math.ceil(seconds + skip_s + _JMETER_INIT_S), "loops": 1_000_000,
                 "path": f"/v1/models/{self.model}/predict",
                 "model": self.model, "samples": samples_csv, "response_timeout_ms": _RESPONSE_TIMEOUT_MS}
        result = runner.run(self.plan, props, self.folder / "runs" / name, jmeter=self.jmeter, warmup_s=skip_s)
        samples_csv.unlink(missing_ok=True)
        if result.summary.overall.count == 0:
            _log.warning("run %s recorded no samples:\n%s", name, runner.log_tail(result))
        return result.summary

    def warm_up(self, port: int, users: int, seconds: int) -> None:
        self._files_tag = getattr(self, "_files_tag", 0) + 1
        self._run(f"warmup-{self._files_tag}", port, users, seconds, 0.0)

    def step(self, point: Point, port: int, users: int) -> Step:
        name = (f"w{point.workers}-t{point.threads}-b{point.max_batch_size}-m{point.max_wait_ms:g}-u{users}")
        summary = self._run(name, port, users, self.step_seconds, _STEP_SKIP_S)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
        return Step.from_stats(point, users, summary.overall, load)
