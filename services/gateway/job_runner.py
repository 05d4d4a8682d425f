"""Job workers: claim a queued job, run the pipeline on it under a heartbeat-renewed lease, store the outcome, call back.

Workers run as threads inside each gateway process (VEIL_GATEWAY_WORKER_THREADS) or as a
process of their own (`python -m services.gateway.worker`, which builds them in assembly.py). Any number of them, on any
number of machines, share one PostgreSQL queue. A dependency that is down puts the job
back in the queue for later; a document the redactor refuses fails the job with the reason;
a redaction that cannot be verified fails the job and withholds the document. Between jobs
a worker delivers callbacks left pending (by a crash) and purges expired jobs.

While a job runs, a heartbeat thread renews its lease every sixth of it, so the lease can be
short (VEIL_GATEWAY_JOB_LEASE_SECONDS, tens of seconds): a dead worker's job is taken over
within one lease, and a long job on a live worker is never taken over.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from typing import Any, Callable

from services.gateway import jobs, options
from services.gateway.callbacks import CallbackSender
from services.gateway.jobs import Job, JobStore
from services.gateway.metrics import GatewayMetrics
from services.gateway.pipeline.deidentify import Pipeline
from veil import logs, tracing
from veil.clients.http import ServiceRejected, ServiceUnavailable
from veil.contracts import DocumentRejected

_log = logging.getLogger(__name__)

PURGE_EVERY_S = 60.0
HEARTBEATS_PER_LEASE = 6
QUEUE_GAUGE_EVERY_S = 10.0
# Backoff for jobs put back because a dependency is down: 10 s, 20 s, 40 s, ... at most 5 min.
_RELEASE_BASE_S = 10.0
_RELEASE_MAX_S = 300.0


class JobWorker:
    def __init__(self, store: JobStore, pipeline_factory: Callable[[], Pipeline], *, lease_s: float,
                 poll_s: float = 0.5, callbacks: CallbackSender | None = None,
                 metrics: GatewayMetrics | None = None, name: str | None = None,
                 retry_delay_s: float = _RELEASE_BASE_S):
        self.store = store
        self._pipeline_factory = pipeline_factory
        self._pipeline: Pipeline | None = None
        self.lease_s = lease_s
        self.poll_s = poll_s
        self.callbacks = callbacks
        self.metrics = metrics
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.retry_delay_s = retry_delay_s
        self._last_purge = 0.0
        self._last_queue = 0.0

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            self._pipeline = self._pipeline_factory()
        return self._pipeline

    # -- the loop ---------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        _log.info("job worker %s started", self.name)
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # noqa: BLE001 - the store may be down; the loop must outlive it
                _log.exception("job worker %s: iteration failed; retrying", self.name)
                busy = False
            if not busy:
                stop.wait(self.poll_s)
        _log.info("job worker %s stopped", self.name)

    def run_once(self) -> bool:
        """Does one unit of work (a job, else a pending callback); False when there was none."""
        self._purge_now_and_then()
        job = self.store.claim(self.name, self.lease_s)
        if job is not None:
            self.process(job)
            return True
        pending = self.store.claim_callback(self.name, self.lease_s) if self.callbacks else None
        if pending is not None:
            self._callback(pending)
            return True
        return False

    def _purge_now_and_then(self) -> None:
        now = time.monotonic()
        if now - self._last_queue >= QUEUE_GAUGE_EVERY_S and self.metrics:
            self._last_queue = now
            self.metrics.set_queue(self.store.counts())
        if now - self._last_purge >= PURGE_EVERY_S:
            self._last_purge = now
            self.store.purge_expired()

    # -- one job ----------------------------------------------------------------------------

    def process(self, job: Job) -> None:
        # A job is its own trace: its stages, model calls and the services' spans hang under this one.
        with logs.request_context(job.id), tracing.span("job", attributes={"veil.job_id": job.id,
                                                                            "veil.attempt": job.attempts}):
            start = time.perf_counter()
            status = self._process(job)
            if self.metrics and status:
                self.metrics.jobs.labels(status).inc()
                self.metrics.job_seconds.labels(status).observe(time.perf_counter() - start)
            if status in jobs.FINAL and job.callback_url and self.callbacks:
                finished = self.store.get(job.id)
                if finished is not None:
                    self._callback(finished)

    def _process(self, job: Job) -> str | None:
        document = self.store.file(job.id, jobs.INPUT)
        if document is None:
            self.store.finish(job.id, self.name, status=jobs.FAILED, error="the uploaded document is no longer stored")
            return jobs.FAILED
        _log.info("job %s claimed (attempt %d)", job.id, job.attempts)
        stop_renewing = threading.Event()
        renewer = threading.Thread(target=self._renew, args=(job.id, stop_renewing), daemon=True,
                                   name=f"lease-{job.id[:8]}")
        renewer.start()
        try:
            outcome = self._pipeline_for(job).run(document)
        except DocumentRejected as exc:
            return self._end(job, jobs.FAILED, error=f"the document could not be processed: {exc.message}")
        except ServiceRejected as exc:
            return self._end(job, jobs.FAILED, error=f"the document could not be processed: {exc}")
        except ServiceUnavailable as exc:
            delay = min(_RELEASE_MAX_S, self.retry_delay_s * 2 ** (job.attempts - 1))
            error = f"{exc.service} unavailable; gave up after {job.attempts} attempt(s)"
            if self.store.release(job.id, self.name, delay_s=delay, error=error):
                _log.warning("job %s put back for %.0fs: %s unavailable", job.id, delay, exc.service)
                return None
            return jobs.FAILED
        except Exception:  # noqa: BLE001 - a bug must fail the job, not the worker
            _log.exception("job %s failed unexpectedly", job.id)
            return self._end(job, jobs.FAILED, error="internal error while processing the document; "
                                                      "quote the job id when reporting it")
        finally:
            stop_renewing.set()
            renewer.join(5)
        if not outcome.report["verification"]["verified"]:
            reason = outcome.report["verification"].get("reason") or "redacted text was still recoverable"
            return self._end(job, jobs.FAILED, error=f"the redaction could not be verified ({reason}); "
                                                     "the document is withheld")
        if self.metrics:
            for e in outcome.report["entities"]:
                self.metrics.entities.labels(e["type"], e["source"]).inc()
        report = {"job_id": job.id, **outcome.report}
        return self._end(job, jobs.SUCCEEDED, result=outcome.result,
                         files={jobs.OUTPUT: outcome.pdf, jobs.REPORT: json.dumps(report).encode()})

    def _pipeline_for(self, job: Job) -> Pipeline:
        """The pipeline with the options the job was submitted with (validated then), if it has any."""
        raw = self.store.file(job.id, jobs.OPTIONS)
        if raw is None:
            return self.pipeline
        return options.for_pdf(self.pipeline, options.compile_options(json.loads(raw)))

    def _end(self, job: Job, status: str, **kwargs: Any) -> str | None:
        if self.store.finish(job.id, self.name, status=status, **kwargs):
            _log.info("job %s %s", job.id, status)
            return status
        _log.warning("job %s was taken over by another worker; this outcome is dropped", job.id)
        return None

    def _renew(self, job_id: str, stop: threading.Event) -> None:
        # The heartbeat: several can be missed (a store blip, a GC pause) before the lease runs out.
        while not stop.wait(self.lease_s / HEARTBEATS_PER_LEASE):
            try:
                if not self.store.renew(job_id, self.name, self.lease_s):
                    _log.warning("lost the lease of job %s", job_id)
                    return
            except Exception:  # noqa: BLE001 - keep trying while the store blips
                _log.warning("could not renew the lease of job %s", job_id)

    def _callback(self, job: Job) -> None:
        assert self.callbacks is not None and job.callback_url
        delivered, attempts = self.callbacks.deliver(job.callback_url, job.public(), team=job.caller)
        self.store.callback_done(job.id, delivered=delivered, attempts=attempts)
        if self.metrics:
            self.metrics.callbacks.labels("delivered" if delivered else "failed").inc()
        _log.info("callback of job %s %s after %d attempt(s)", job.id, "delivered" if delivered else "failed",
                  attempts)


class WorkerPool:
    """Worker threads of one process, stopped together (at exit, or by `stop()`)."""

    def __init__(self, workers: list[JobWorker]):
        self.workers = workers
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=w.run, args=(self._stop,), daemon=True, name=f"job-worker-{i}")
                         for i, w in enumerate(workers)]

    def start(self) -> "WorkerPool":
        for t in self._threads:
            t.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))

    @property
    def alive(self) -> bool:
        return any(t.is_alive() for t in self._threads)
