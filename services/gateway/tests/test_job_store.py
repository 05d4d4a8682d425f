"""The job store and queue on both backends: ownership, claims under a lease, retries, retention, callbacks."""

import threading

import pytest

from services.gateway import jobs
from services.gateway.jobs import JobStore

PDF = b"%PDF-1.7 a test document"


@pytest.fixture()
def store(database):
    s = JobStore(database, max_attempts=2)
    s.ensure_schema()
    return s


def test_a_submitted_job_is_queued_with_its_document(store):
    job = store.submit("team-a", PDF, retention_s=60)
    assert job.status == jobs.QUEUED
    assert store.get(job.id).status == jobs.QUEUED
    assert store.file(job.id, jobs.INPUT) == PDF


def test_when_another_caller_asks_then_the_job_does_not_exist(store):
    job = store.submit("team-a", PDF, retention_s=60)
    assert store.get(job.id, caller="team-a") is not None
    assert store.get(job.id, caller="team-b") is None


def test_when_the_retention_has_passed_then_the_job_is_gone_and_purged_with_its_files(store):
    job = store.submit("team-a", PDF, retention_s=10, now=1000.0)
    keep = store.submit("team-a", PDF, retention_s=100, now=1000.0)
    assert store.get(job.id, now=1011.0) is None
    assert store.purge_expired(now=1011.0) == 1
    assert store.file(job.id, jobs.INPUT) is None
    assert store.get(keep.id, now=1011.0) is not None


def test_jobs_are_claimed_oldest_first_and_only_once(store):
    first = store.submit("team-a", PDF, retention_s=600, now=100.0)
    second = store.submit("team-a", PDF, retention_s=600, now=101.0)
    a = store.claim("w1", lease_s=30, now=200.0)
    b = store.claim("w2", lease_s=30, now=200.0)
    assert (a.id, b.id) == (first.id, second.id)
    assert a.status == jobs.RUNNING and a.worker == "w1" and a.attempts == 1
    assert store.claim("w3", lease_s=30, now=200.0) is None


def test_concurrent_workers_never_get_the_same_job(store):
    submitted = {store.submit("team-a", PDF, retention_s=600).id for _ in range(20)}
    claimed: list[str] = []
    lock = threading.Lock()

    def work(name):
        while True:
            job = store.claim(name, lease_s=60)
            if job is None:
                return
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(submitted)


def test_when_a_worker_dies_then_its_job_is_taken_over_after_the_lease(store):
    job = store.submit("team-a", PDF, retention_s=600, now=100.0)
    store.claim("dead", lease_s=30, now=100.0)
    assert store.claim("w2", lease_s=30, now=120.0) is None
    taken = store.claim("w2", lease_s=30, now=131.0)
    assert taken.id == job.id and taken.attempts == 2
    # The dead worker's late outcome is dropped: the job finishes once, by its owner.
    assert not store.finish(job.id, "dead", status=jobs.SUCCEEDED, result={}, now=140.0)
    assert store.finish(job.id, "w2", status=jobs.SUCCEEDED, result={"risk": {}}, now=141.0)


def test_when_workers_keep_dying_on_a_job_then_it_fails_instead_of_looping(store):
    job = store.submit("team-a", PDF, retention_s=600, now=100.0)
    store.claim("w1", lease_s=10, now=100.0)
    store.claim("w2", lease_s=10, now=111.0)
    assert store.claim("w3", lease_s=10, now=122.0) is None
    failed = store.get(job.id, now=122.0)
    assert failed.status == jobs.FAILED and "not retried" in failed.error


def test_a_renewed_lease_keeps_the_job(store):
    job = store.submit("team-a", PDF, retention_s=600, now=100.0)
    store.claim("w1", lease_s=10, now=100.0)
    assert store.renew(job.id, "w1", lease_s=10, now=108.0)
    assert store.claim("w2", lease_s=10, now=115.0) is None
    assert not store.renew(job.id, "w2", lease_s=10, now=115.0)


def test_finishing_stores_the_outputs_and_deletes_the_input(store):
    job = store.submit("team-a", PDF, retention_s=600)
    store.claim("w1", lease_s=60)
    assert store.finish(job.id, "w1", status=jobs.SUCCEEDED, result={"risk": {"level": "low"}, "counts": {}},
                        files={jobs.OUTPUT: b"%PDF-redacted", jobs.REPORT: b"{}"})
    done = store.get(job.id)
    assert done.status == jobs.SUCCEEDED and done.result["risk"]["level"] == "low"
    assert done.public() == {"job_id": job.id, "status": "succeeded", "result": done.result}
    assert store.file(job.id, jobs.OUTPUT) == b"%PDF-redacted"
    assert store.file(job.id, jobs.INPUT) is None


def test_a_released_job_waits_for_its_delay_then_runs_again(store):
    job = store.submit("team-a", PDF, retention_s=600, now=100.0)
    store.claim("w1", lease_s=60, now=100.0)
    assert store.release(job.id, "w1", delay_s=20, error="redactor unavailable", now=101.0)
    assert store.get(job.id, now=101.0).status == jobs.QUEUED
    assert store.claim("w2", lease_s=60, now=110.0) is None
    assert store.claim("w2", lease_s=60, now=122.0).id == job.id
    # Out of attempts: the next release fails the job with the error.
    assert not store.release(job.id, "w2", delay_s=20, error="redactor unavailable", now=123.0)
    failed = store.get(job.id, now=123.0)
    assert failed.status == jobs.FAILED and failed.error == "redactor unavailable"


def test_callbacks_are_claimed_once_per_finished_job_and_recorded(store):
    job = store.submit("team-a", PDF, retention_s=600, callback_url="https://hooks.example/x", now=100.0)
    plain = store.submit("team-a", PDF, retention_s=600, now=100.0)
    assert store.claim_callback("w1", lease_s=30, now=101.0) is None  # not finished yet
    for j in (job, plain):
        store.claim("w1", lease_s=60, now=101.0)
        store.finish(j.id, "w1", status=jobs.FAILED, error="bad PDF", now=102.0)
    pending = store.claim_callback("w1", lease_s=30, now=103.0)
    assert pending.id == job.id
    assert store.claim_callback("w2", lease_s=30, now=104.0) is None
    store.callback_done(job.id, delivered=True, attempts=2, now=105.0)
    done = store.get(job.id, now=105.0)
    assert (done.callback_state, done.callback_attempts) == (jobs.CALLBACK_DELIVERED, 2)


def test_counts_report_every_status(store):
    store.submit("team-a", PDF, retention_s=600)
    assert store.counts() == {"queued": 1, "running": 0, "succeeded": 0, "failed": 0}


def test_a_second_store_on_the_same_database_sees_the_queue(database):
    JobStore(database).submit("team-a", PDF, retention_s=600)
    assert JobStore(database).claim("after-restart", lease_s=60) is not None
