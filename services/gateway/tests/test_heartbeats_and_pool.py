"""Job heartbeats on real worker processes, and the PostgreSQL pool under the gateway's polls and probes.

A worker killed mid-job (SIGKILL, as when its machine dies) loses the job to another worker
once its lease runs out; a worker that lives keeps renewing, so a job longer than many
leases stays its own. Every job poll, idle tick and /readyz borrows a pooled connection.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import pytest

from services.gateway import jobs
from services.gateway.app import EXTENSION
from services.gateway.job_runner import JobWorker, WorkerPool
from services.gateway.jobs import JobStore
from services.gateway.tests.helpers import PDF, Spy
from services.gateway.tests.test_worker import ScriptedPipeline, outcome
from veil.paths import REPO_ROOT
from veil.stores import db
from veil.stores.db import Database

LEASE_S = 3.0
# What the issue allows between a worker's death and its job finishing elsewhere, beyond the lease.
TAKEOVER_SLACK_S = 10.0


@pytest.fixture()
def store(postgres_url):
    database = Database(postgres_url)
    yield JobStore(database)
    database.close_pool()


def slow_worker(url: str, lease_s: float, seconds: float) -> subprocess.Popen:
    """The worker process of slow_worker.py, once it has claimed the queued job."""
    proc = subprocess.Popen([sys.executable, "-m", "services.gateway.tests.slow_worker", url, str(lease_s),
                             str(seconds)], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.strip() == "claimed", f"the worker process did not claim the job (exit {proc.poll()})"
    return proc


def wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not reached")


def test_when_a_worker_process_dies_mid_job_then_another_worker_finishes_it_within_one_lease(store, postgres_url):
    job = store.submit("team-a", PDF, retention_s=600)
    proc = slow_worker(postgres_url, LEASE_S, 3600)
    standby = JobWorker(store, lambda: ScriptedPipeline(outcome()), lease_s=LEASE_S, poll_s=0.05, name="standby")
    try:
        assert not standby.run_once()  # the job is the live worker's
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_at = time.monotonic()
        pool = WorkerPool([standby]).start()
        try:
            done = wait_for(lambda: (j := store.get(job.id)) and j.status in jobs.FINAL and j, LEASE_S + 60)
        finally:
            pool.stop()
        taken_over_after = time.monotonic() - killed_at
    finally:
        if proc.poll() is None:
            proc.kill()
    assert done.status == jobs.SUCCEEDED and done.worker == "standby" and done.attempts == 2
    assert store.file(job.id, jobs.OUTPUT) == b"%PDF-redacted"
    assert taken_over_after <= LEASE_S + TAKEOVER_SLACK_S, taken_over_after


def test_a_job_longer_than_many_leases_on_a_live_worker_is_never_taken_over(store, postgres_url):
    job = store.submit("team-a", PDF, retention_s=600)
    lease_s = 1.5
    proc = slow_worker(postgres_url, lease_s, 4 * lease_s)
    rival_pipeline = Spy()
    rival = WorkerPool([JobWorker(store, lambda: rival_pipeline, lease_s=lease_s, poll_s=0.02, name="rival")]).start()
    try:
        claimed = store.get(job.id)
        # The heartbeat moves while the job runs, and the status shows it with the attempts.
        beat = wait_for(lambda: (j := store.get(job.id)).updated_at > claimed.updated_at and j)
        body = beat.status_body()
        assert body["status"] == "running" and body["attempts"] == 1 and body["heartbeat_at"].endswith("Z")
        assert proc.wait(60) == 0
    finally:
        rival.stop()
        if proc.poll() is None:
            proc.kill()
    done = store.get(job.id)
    assert rival_pipeline.calls == []
    assert done.status == jobs.SUCCEEDED and done.worker == "slow-worker" and done.attempts == 1
    assert store.file(job.id, jobs.OUTPUT) == b"%PDF-slow"
    assert done.status_body() == done.public()  # a finished job shows what its callback carries


def test_polls_idle_ticks_and_readiness_probes_reuse_the_pooled_connections(make_app, postgres_url):
    app = make_app(database_url=postgres_url, database_pool_size=2)
    state = app.extensions[EXTENSION]
    client = app.test_client()
    worker = JobWorker(state.store, lambda: ScriptedPipeline(), lease_s=LEASE_S, poll_s=0.01)
    job = state.store.submit("team-a", PDF, retention_s=600)
    before = db.connections_opened()
    threads = [threading.Thread(target=lambda: [worker.run_once() for _ in range(30)]) for _ in range(3)]
    for t in threads:
        t.start()
    for _ in range(30):
        assert client.get("/readyz").status_code == 200
        assert client.get(f"/v1/jobs/{job.id}", headers={"Authorization": "Bearer key-a"}).status_code == 200
    for t in threads:
        t.join()
    # 90 idle worker ticks, 30 probes and 30 polls over at most the pool's two connections.
    assert 0 <= db.connections_opened() - before <= 2
    state.store.db.close_pool()


def test_a_running_jobs_status_shows_its_attempts_and_last_heartbeat(make_app):
    app = make_app()
    store = app.extensions[EXTENSION].store
    job = store.submit("team-a", PDF, retention_s=600, now=1_799_999_999.0)
    claimed = store.claim("w1", lease_s=LEASE_S, now=1_800_000_000.0)
    assert claimed.id == job.id
    store.renew(job.id, "w1", LEASE_S, now=1_800_000_002.5)
    body = app.test_client().get(f"/v1/jobs/{job.id}", headers={"Authorization": "Bearer key-a"}).json
    assert body == {"job_id": job.id, "status": "running", "attempts": 1,
                    "heartbeat_at": "2027-01-15T08:00:02.500Z"}
