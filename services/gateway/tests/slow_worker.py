"""A job worker process whose pipeline takes a given time: `python -m services.gateway.tests.slow_worker URL LEASE SECONDS`.

The heartbeat tests start it as a real process and kill it mid-job (SIGKILL: no cleanup, as
when a machine dies), or let it run a job longer than its lease. It prints `claimed <job id>`
when its pipeline starts.
"""

from __future__ import annotations

import sys
import threading
import time

from services.gateway.job_runner import JobWorker
from services.gateway.jobs import JobStore
from services.gateway.pipeline.deidentify import Outcome
from veil.stores.db import Database


class SlowPipeline:
    def __init__(self, seconds: float):
        self.seconds = seconds

    def run(self, pdf: bytes) -> Outcome:
        print("claimed", flush=True)
        time.sleep(self.seconds)
        report = {"entities": [], "verification": {"verified": True}, "risk": {"level": "low"}, "counts": {}}
        return Outcome(b"%PDF-slow", report, {"risk": {"level": "low"}, "counts": {}})


def main() -> int:
    url, lease_s, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    worker = JobWorker(JobStore(Database(url)), lambda: SlowPipeline(seconds), lease_s=lease_s, poll_s=0.05,
                       name="slow-worker")
    stop = threading.Event()
    while not stop.is_set():
        if worker.run_once():
            return 0
        stop.wait(0.05)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
