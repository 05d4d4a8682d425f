"""Idempotency-Key: a retried upload returns the first job, on both store backends and over the API."""

from __future__ import annotations

import io
import threading

import pytest

from services.gateway import jobs
from services.gateway.app import EXTENSION
from services.gateway.jobs import IdempotencyConflict, JobStore
from services.gateway.tests.helpers import AUTH_A, AUTH_B, PDF

OTHER_PDF = PDF + b"% another document\n"


@pytest.fixture()
def store(database):
    s = JobStore(database)
    s.ensure_schema()
    return s


def test_the_same_key_returns_the_first_job_and_stores_one(store):
    first, created = store.submit_once("team-a", PDF, idempotency_key="k1", fingerprint="f", retention_s=60)
    again, created_again = store.submit_once("team-a", PDF, idempotency_key="k1", fingerprint="f", retention_s=60)
    assert created and not created_again and again.id == first.id
    assert store.counts()[jobs.QUEUED] == 1


def test_keys_belong_to_their_caller_and_another_request_under_a_used_key_is_refused(store):
    a, _ = store.submit_once("team-a", PDF, idempotency_key="k1", fingerprint="f", retention_s=60)
    b, created = store.submit_once("team-b", PDF, idempotency_key="k1", fingerprint="f", retention_s=60)
    assert created and b.id != a.id
    with pytest.raises(IdempotencyConflict):
        store.submit_once("team-a", OTHER_PDF, idempotency_key="k1", fingerprint="other", retention_s=60)


def test_a_key_is_free_again_once_its_job_expired_or_was_deleted(store):
    old, _ = store.submit_once("team-a", PDF, idempotency_key="k1", fingerprint="f", retention_s=10, now=1000.0)
    new, created = store.submit_once("team-a", PDF, idempotency_key="k1", fingerprint="f", retention_s=10, now=1011.0)
    assert created and new.id != old.id
    assert store.delete(new.id, caller="team-a")
    newer, created = store.submit_once("team-a", PDF, idempotency_key="k1", fingerprint="f", retention_s=10,
                                       now=1012.0)
    assert created and newer.id not in (old.id, new.id)


def test_concurrent_requests_with_one_key_make_one_job(store):
    ids: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(6)

    def submit() -> None:
        barrier.wait()
        job, _ = store.submit_once("team-a", PDF, idempotency_key="race", fingerprint="f", retention_s=60)
        with lock:
            ids.append(job.id)

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(ids) == 6 and len(set(ids)) == 1
    assert store.counts()[jobs.QUEUED] == 1


def _upload(client, data=PDF, headers=AUTH_A):
    return client.post("/v1/deidentify", data={"file": (io.BytesIO(data), "in.pdf")}, headers=headers,
                       content_type="multipart/form-data")


def test_over_the_api_a_retried_upload_is_answered_with_the_first_job(app):
    client = app.test_client()
    key = {"Idempotency-Key": "2f1c9a40-5b7e-4d1a-9a53-0c8f7f6b1e21"}
    first = _upload(client, headers={**AUTH_A, **key})
    again = _upload(client, headers={**AUTH_A, **key})
    assert first.status_code == again.status_code == 202
    assert again.json["job_id"] == first.json["job_id"] and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert app.extensions[EXTENSION].store.counts()[jobs.QUEUED] == 1
    # Another team's identical key is its own.
    assert _upload(client, headers={**AUTH_B, **key}).json["job_id"] != first.json["job_id"]
    reused = _upload(client, data=OTHER_PDF, headers={**AUTH_A, **key})
    assert reused.status_code == 422 and reused.mimetype == "application/problem+json"
    assert reused.json["code"] == "idempotency_key_reused"
    # Without a key every upload is a new job.
    assert _upload(client).json["job_id"] != _upload(client).json["job_id"]


@pytest.mark.parametrize("key", ["", "x" * 256, "ключ"])
def test_a_malformed_idempotency_key_is_a_400(client, key):
    resp = _upload(client, headers={**AUTH_A, "Idempotency-Key": key})
    assert resp.status_code == 400 and resp.json["code"] == "invalid_idempotency_key"
