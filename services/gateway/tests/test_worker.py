"""Job workers on a real store: outcomes stored, dependency outages retried later, bad documents failed, callbacks."""

import json
import threading
import time

import pytest

from services.gateway import jobs
from services.gateway.callbacks import CallbackPolicy, CallbackSender
from services.gateway.job_runner import JobWorker, WorkerPool
from services.gateway.jobs import JobStore
from services.gateway.pipeline.deidentify import Outcome
from services.gateway.tests.helpers import PDF
from veil.clients.redactor import RedactorRejected, RedactorUnavailable
from veil.contracts import DocumentRejected


class ScriptedPipeline:
    """Stands in for the pipeline (an internal part): returns or raises what the test scripts."""

    def __init__(self, *results):
        self.results = list(results)
        self.seen = []

    def run(self, pdf):
        self.seen.append(pdf)
        result = self.results.pop(0)
        if isinstance(result, BaseException):
            raise result
        return result


def outcome(verified=True, reason=None):
    report = {"entities": [{"type": "PERSON", "source": "model"}], "verification": {"verified": verified, "reason": reason},
              "risk": {"level": "low"}, "counts": {"PERSON": 1}}
    return Outcome(b"%PDF-redacted", report, {"risk": {"level": "low"}, "counts": {"PERSON": 1}})


@pytest.fixture()
def store(database):
    return JobStore(database, max_attempts=2)


def worker(store, pipeline, **kwargs):
    return JobWorker(store, lambda: pipeline, lease_s=30, poll_s=0.01, **kwargs)


def test_a_job_runs_and_its_document_and_report_are_stored(store):
    job = store.submit("team-a", PDF, retention_s=600)
    pipeline = ScriptedPipeline(outcome())
    assert worker(store, pipeline).run_once()
    done = store.get(job.id)
    assert done.status == jobs.SUCCEEDED and done.result["counts"] == {"PERSON": 1}
    assert pipeline.seen == [PDF]
    assert store.file(job.id, jobs.OUTPUT) == b"%PDF-redacted"
    assert json.loads(store.file(job.id, jobs.REPORT))["job_id"] == job.id


def test_when_a_dependency_is_down_then_the_job_waits_and_fails_only_after_its_attempts(store):
    job = store.submit("team-a", PDF, retention_s=600)
    down = RedactorUnavailable("redactor", None, "unreachable")
    waiting = worker(store, ScriptedPipeline(down), retry_delay_s=3600)
    waiting.run_once()
    assert store.get(job.id).status == jobs.QUEUED
    assert not waiting.run_once()  # not before its delay
    impatient = worker(store, ScriptedPipeline(down), retry_delay_s=0)
    with store._tx() as cur:  # the delay has passed
        cur.execute(store.db.sql("UPDATE jobs SET not_before = 0 WHERE id = ?"), (job.id,))
    impatient.run_once()
    failed = store.get(job.id)
    assert failed.status == jobs.FAILED and "redactor unavailable" in failed.error


def test_when_the_redactor_refuses_the_document_then_the_job_fails_with_the_reason(store):
    job = store.submit("team-a", PDF, retention_s=600)
    refused = RedactorRejected("redactor", 422, "Encrypted PDF", "the PDF is password-protected", "encrypted_pdf")
    worker(store, ScriptedPipeline(refused)).run_once()
    failed = store.get(job.id)
    assert failed.status == jobs.FAILED and "password-protected" in failed.error
    assert store.file(job.id, jobs.INPUT) is None


def test_an_unverifiable_redaction_fails_the_job_and_withholds_the_document(store):
    job = store.submit("team-a", PDF, retention_s=600)
    reason = "1 redacted span(s) (index 3) can still be read back from the output, found in: pixels (page 2)"
    worker(store, ScriptedPipeline(outcome(verified=False, reason=reason))).run_once()
    failed = store.get(job.id)
    assert failed.status == jobs.FAILED and "withheld" in failed.error and reason in failed.error
    assert store.file(job.id, jobs.OUTPUT) is None


def test_an_unexpected_error_fails_the_job_without_details(store):
    job = store.submit("team-a", PDF, retention_s=600)
    worker(store, ScriptedPipeline(DocumentRejected("corrupt_pdf", "not readable"), ZeroDivisionError())).run_once()
    other = store.submit("team-a", PDF, retention_s=600)
    w = worker(store, ScriptedPipeline(ZeroDivisionError()))
    w.run_once()
    assert store.get(job.id).status == jobs.FAILED
    assert store.get(other.id).error.startswith("internal error")


def test_the_callback_is_sent_when_the_job_ends(store, monkeypatch):
    sent = []
    sender = CallbackSender(CallbackPolicy(["hooks.example.com"]), "s", sleep=lambda s: None)
    monkeypatch.setattr(sender, "deliver",
                        lambda url, payload, team: (sent.append((url, payload, team)), (True, 1))[1])
    job = store.submit("team-a", PDF, retention_s=600, callback_url="https://hooks.example.com/x")
    worker(store, ScriptedPipeline(outcome()), callbacks=sender).run_once()
    assert sent == [("https://hooks.example.com/x", {"job_id": job.id, "status": "succeeded",
                                                     "result": {"risk": {"level": "low"}, "counts": {"PERSON": 1}}},
                     "team-a")]
    assert store.get(job.id).callback_state == jobs.CALLBACK_DELIVERED


def test_a_pool_of_threads_drains_the_queue_and_stops(store):
    ids = [store.submit("team-a", PDF, retention_s=600).id for _ in range(6)]
    pipeline = ScriptedPipeline(*[outcome() for _ in range(6)])
    lock = threading.Lock()
    original = pipeline.run

    def run(pdf):
        with lock:
            return original(pdf)

    pipeline.run = run
    pool = WorkerPool([worker(store, pipeline) for _ in range(3)]).start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(store.get(i).status != jobs.SUCCEEDED for i in ids):
        time.sleep(0.05)
    pool.stop(5)
    assert all(store.get(i).status == jobs.SUCCEEDED for i in ids)
    assert not pool.alive
