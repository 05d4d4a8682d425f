"""The classifier as deployed: gunicorn workers, the real embedder, a head trained on its vectors, and the
real PostgreSQL as the inference store, including the embedder and the database going away mid-stream."""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from services.classifier.inference import InferenceStore
from services.classifier.tests import outages
from services.classifier.tests.integration.helpers import metric_samples, wait_for
from services.embedder.launch import START_COMMAND, health_probe
from veil.paths import REPO_ROOT
from veil.procs import ManagedProcess, free_port
from veil.stores.db import Database

pytestmark = [pytest.mark.model]

_PHRASES = ["Maria Gonzalez", "March 3, 2021", "(555) 123-4567", "lungs clear", "John Smith", "12/01/1999"]


def _predict(base: str, texts, request_id: str | None = None, timeout: float = 30.0) -> requests.Response:
    headers = {"X-Request-ID": request_id} if request_id else {}
    return requests.post(f"{base}/v1/models/phi-type/predict", json={"texts": texts}, headers=headers,
                         timeout=timeout)


def _store_env(url: str) -> dict[str, str]:
    return {"VEIL_DATABASE_URL": url}


def test_under_gunicorn_predictions_use_the_trained_head_and_a_rollback_reaches_every_worker(
        embedder_address, trained_registry, postgres_url, start_classifier):
    _proc, base = start_classifier({"VEIL_EMBEDDER_ADDRESS": embedder_address,
                                    "VEIL_MODEL_REGISTRY": str(trained_registry), **_store_env(postgres_url)})
    resp = _predict(base, _PHRASES, request_id="first-call")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["version"] == "v2"
    assert [p["label"] for p in body["predictions"]] == ["PERSON", "DATE", "PHONE", "NONE", "PERSON", "DATE"]
    models = requests.get(base + "/v1/models", timeout=10).json()["models"]
    assert models[0]["name"] == "phi-type" and models[0]["embedder_model"] == "minilm-l6-v2"

    def workers_on(version: str) -> set[str]:
        return {labels["pid"] for labels, value in metric_samples(base, "veil_classifier_active_version")
                if labels["version"] == version and value == 1}

    def burst() -> list[str]:
        # Fresh connections, concurrently, so both workers accept some.
        with ThreadPoolExecutor(16) as pool:
            return list(pool.map(lambda i: _predict(base, [f"Patient {i}"]).json()["version"], range(32)))

    wait_for(lambda: (burst(), len(workers_on("v2")) == 2)[1], timeout=60)
    resp = requests.post(base + "/v1/models/phi-type/rollback", timeout=30)
    assert resp.json() == {"model": "phi-type", "previous_version": "v2", "active_version": "v1"}
    # From the moment the rollback answered, no worker may serve v2 (no restart in between).
    versions = burst()
    assert set(versions) == {"v1"}
    wait_for(lambda: (burst(), len(workers_on("v1")) == 2)[1], timeout=60)
    assert workers_on("v2") == set()
    text = requests.get(base + "/metrics", timeout=10).text
    assert 'veil_classifier_predict_seconds_count{model="phi-type"}' in text
    assert "veil_inference_records_written_total" in text


def test_when_the_embedder_stops_mid_stream_calls_get_503_and_recover_without_a_classifier_restart(
        trained_registry, tmp_path, start_classifier):
    port = free_port()
    address = f"127.0.0.1:{port}"
    embedder_env = {"VEIL_EMBEDDER_HOST": "127.0.0.1", "VEIL_EMBEDDER_PORT": str(port),
                    "VEIL_EMBEDDER_METRICS_PORT": "0"}

    def start_embedder(n: int, wait: bool = True) -> ManagedProcess:
        proc = ManagedProcess("embedder", START_COMMAND, env=embedder_env, cwd=REPO_ROOT,
                              log_path=tmp_path / f"embedder-{n}.log").start()
        if wait:
            proc.wait_ready(health_probe(address), timeout=120, interval=0.25)
        return proc

    # Both start at once; the classifier's /readyz waits for the embedder too.
    embedder = start_embedder(1, wait=False)
    try:
        classifier, base = start_classifier({"VEIL_EMBEDDER_ADDRESS": address,
                                             "VEIL_MODEL_REGISTRY": str(trained_registry),
                                             "VEIL_CLASSIFIER_EMBEDDER_TIMEOUT": "3", "VEIL_CLASSIFIER_WORKERS": "1"})
        results: list[tuple[float, int, str | None]] = []
        stop = threading.Event()

        def stream() -> None:
            for i in itertools.count():
                if stop.is_set():
                    return
                resp = _predict(base, [f"Maria Gonzalez {i % 7}", "lungs clear"])
                results.append((time.monotonic(), resp.status_code, resp.headers.get("Retry-After")))
                time.sleep(0.02)

        streamer = threading.Thread(target=stream)
        streamer.start()
        try:
            wait_for(lambda: sum(1 for r in results if r[1] == 200) >= 5)
            embedder.stop()
            wait_for(lambda: sum(1 for r in results if r[1] == 503) >= 3, timeout=60)
            embedder = start_embedder(2)
            restarted = time.monotonic()
            # The client's channel reconnects by itself; the classifier is never restarted.
            wait_for(lambda: any(t > restarted and code == 200 for t, code, _ in results), timeout=60)
            first_ok = min(t for t, code, _ in results if t > restarted and code == 200)
            wait_for(lambda: sum(1 for t, _c, _r in results if t > first_ok) >= 20, timeout=60)
        finally:
            stop.set()
            streamer.join(60)
        assert classifier.alive()
        assert {code for _t, code, _r in results} <= {200, 503}
        assert all(retry is not None and int(retry) > 0 for _t, code, retry in results if code == 503)
        assert all(code == 200 for t, code, _r in results if t > first_ok)
    finally:
        embedder.stop()


@pytest.mark.postgres
def test_when_postgres_goes_away_mid_stream_every_request_succeeds_and_every_record_lands_once(
        embedder_address, trained_registry, postgres_url, start_classifier):
    _proc, base = start_classifier({"VEIL_EMBEDDER_ADDRESS": embedder_address, "VEIL_CLASSIFIER_WORKERS": "1",
                                    "VEIL_MODEL_REGISTRY": str(trained_registry), **_store_env(postgres_url)})
    sent: dict[str, int] = {}
    statuses: list[int] = []

    def call(i: int) -> None:
        rid = f"pg-{i}-{uuid.uuid4().hex[:8]}"
        texts = [_PHRASES[(i + j) % len(_PHRASES)] for j in range(1 + i % 3)]
        statuses.append(_predict(base, texts, request_id=rid).status_code)
        sent[rid] = len(texts)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(call, range(0, 30)))
        outages.block(postgres_url)
        try:
            list(pool.map(call, range(30, 90)))
            wait_for(lambda: sum(v for _l, v in metric_samples(base, "veil_inference_records_spooled_total")) > 0)
        finally:
            outages.unblock(postgres_url)
        list(pool.map(call, range(90, 120)))
    assert statuses == [200] * 120
    store = InferenceStore(Database(postgres_url))
    total = sum(sent.values())
    wait_for(lambda: store.count() == total, timeout=90, interval=0.5)
    records = store.records()
    assert len({r.record_id for r in records}) == total
    assert sorted((r.request_id, r.position) for r in records) == sorted(
        (rid, pos) for rid, n in sent.items() for pos in range(n))
    store.close()


@pytest.mark.postgres
def test_when_gunicorn_is_killed_with_records_in_the_spool_a_restart_delivers_all_of_them(
        embedder_address, trained_registry, postgres_url, start_classifier, tmp_path):
    env = {"VEIL_EMBEDDER_ADDRESS": embedder_address, "VEIL_MODEL_REGISTRY": str(trained_registry),
           "VEIL_INFERENCE_SPOOL_DIR": str(tmp_path / "spool"), **_store_env(postgres_url)}
    outages.block(postgres_url)
    try:
        proc, base = start_classifier(env)
        rids = [f"kill-{i}" for i in range(40)]
        for rid in rids:
            assert _predict(base, ["Maria Gonzalez", "lungs clear"], request_id=rid).status_code == 200
        wait_for(lambda: max((v for _l, v in metric_samples(base, "veil_inference_spool_records")), default=0) == 80)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.proc.wait(10)
    finally:
        outages.unblock(postgres_url)
    # One worker now: it must also replay the segments both dead workers left.
    start_classifier({**env, "VEIL_CLASSIFIER_WORKERS": "1"}, log_name="classifier-2.log")
    store = InferenceStore(Database(postgres_url))
    wait_for(lambda: store.count() == 80, timeout=90, interval=0.5)
    assert sorted((r.request_id, r.position) for r in store.records()) == sorted(
        (rid, pos) for rid in rids for pos in range(2))
    store.close()
