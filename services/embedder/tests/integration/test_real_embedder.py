"""The real embedder process (default model) as callers meet it: vectors, bad input, health, concurrency, SIGTERM."""

from __future__ import annotations

import os
import signal
import threading

import grpc
import numpy as np
import pytest
import requests
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.embedder.launch import start_embedder
from services.embedder.model import default_model_version
from services.embedder.server import SERVICE_NAME
from veil.clients.embedder import EmbedderClient, EmbedderInvalidInput, EmbedderUnavailable
from veil.procs import free_port

pytestmark = pytest.mark.model


def test_vectors_are_the_models_and_carry_its_name_and_version(embedder_address, reference_model):
    texts = ["Maria Gonzalez was admitted on Monday.", "shortness of breath"]
    with EmbedderClient(embedder_address) as client:
        res = client.embed(texts)
    assert res.vectors.shape == (2, 384) and res.vectors.dtype == np.float32
    assert (res.model_name, res.model_version) == ("minilm-l6-v2", default_model_version())
    cosine = (res.vectors * reference_model.embed(texts)).sum(1)
    assert cosine.min() >= 0.999


@pytest.mark.parametrize("texts, message", [
    ([], "texts is empty"),
    (["ok", " \n\t "], r"texts\[1\] is empty or only whitespace"),
    (["x" * 5000], r"texts\[0\] is too long: 5000 characters, the limit is 4096"),
])
def test_when_input_is_bad_then_the_real_server_answers_invalid_argument_and_stays_up(embedder_address, texts,
                                                                                      message):
    with EmbedderClient(embedder_address) as client:
        with pytest.raises(EmbedderInvalidInput, match=message):
            client.embed(texts)
        assert client.info()["model_name"] == "minilm-l6-v2"


def test_when_too_many_texts_come_in_one_call_then_invalid_argument(embedder_address):
    with EmbedderClient(embedder_address, chunk_size=5000) as client:
        with pytest.raises(EmbedderInvalidInput, match="too many texts in one call: 1025, the limit is 1024"):
            client.embed(["a"] * 1025)


def test_when_called_concurrently_then_each_caller_gets_the_vectors_it_would_get_alone(embedder_address):
    texts = [f"patient {i} reports chest pain" if i % 2 else f"a much longer note about visit number {i} " * 6
             for i in range(24)]
    with EmbedderClient(embedder_address) as client:
        alone = {t: client.embed([t]).vectors[0] for t in texts[:4]}
        results = {}

        def call(i):
            results[i] = client.embed(texts[i:i + 3])

        threads = [threading.Thread(target=call, args=(i,)) for i in range(0, 24, 3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    got = np.concatenate([results[i].vectors for i in range(0, 24, 3)])
    for i, t in enumerate(texts[:4]):
        assert float(got[i] @ alone[t]) > 0.99999


def test_health_is_serving_once_the_model_is_loaded(embedder_address):
    with grpc.insecure_channel(embedder_address) as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=SERVICE_NAME),
                                                           timeout=5)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_on_sigterm_in_flight_calls_finish_new_calls_are_refused_and_the_process_exits_cleanly(tmp_path):
    # Also started with its own TensorFlow thread settings, which its log must confirm.
    metrics_port = free_port()
    proc, address = start_embedder(env={"VEIL_EMBEDDER_METRICS_PORT": str(metrics_port),
                                        "VEIL_EMBEDDER_MAX_BATCH_SIZE": "16", "VEIL_EMBEDDER_INTRA_OP_THREADS": "1",
                                        "VEIL_EMBEDDER_INTER_OP_THREADS": "2"},
                                   log_path=tmp_path / "embedder.log")
    try:
        # Long enough (seconds on one thread) to still be running when the signal is handled.
        texts = [f"note {i}: patient seen in clinic with a persistent cough, worse at night, no fever, "
                 f"chest clear on auscultation, advised fluids and rest, review in {i % 14 + 1} days"
                 for i in range(480)]
        result = {}
        client = EmbedderClient(address, timeout=120)
        call = threading.Thread(target=lambda: result.update(res=client.embed(texts)))
        call.start()
        _wait_until_queued(metrics_port)
        proc.signal(signal.SIGTERM)
        _wait_until_not_serving(address)
        call.join(120)
        assert result["res"].vectors.shape == (480, 384)
        with EmbedderClient(address, timeout=2, attempts=1) as late:
            with pytest.raises(EmbedderUnavailable):
                late.embed(["after SIGTERM"])
        assert proc.proc.wait(30) == 0
    finally:
        proc.stop()
    log = (tmp_path / "embedder.log").read_text()
    assert "draining in-flight calls" in log and "embedder stopped" in log
    assert "intra-op threads 1, inter-op threads 2" in log  # the TensorFlow thread settings took effect


def _wait_until_not_serving(address: str, timeout: float = 30) -> None:
    import time

    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            try:
                status = stub.Check(health_pb2.HealthCheckRequest(service=SERVICE_NAME), timeout=2).status
            except grpc.RpcError:
                return  # gRPC itself stopped taking calls
            if status != health_pb2.HealthCheckResponse.SERVING:
                return
            time.sleep(0.02)
    raise AssertionError("the embedder still reports SERVING after SIGTERM")


def _wait_until_queued(metrics_port: int, timeout: float = 30) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            text = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=2).text
        except requests.RequestException:
            text = ""
        for line in text.splitlines():
            if line.startswith("veil_embedder_queue_depth ") and float(line.split()[1]) > 0:
                return
        time.sleep(0.05)
    raise AssertionError("the call never reached the queue")


def test_when_the_process_that_started_the_server_dies_then_the_server_stops_too(tmp_path):
    import subprocess
    import sys
    import time

    script = ("import os\n"
              "from services.embedder.launch import start_embedder\n"
              f"proc, address = start_embedder(log_path={str(tmp_path / 'orphan.log')!r})\n"
              "print(proc.pid, flush=True)\n"
              "os._exit(0)  # dies without stopping its server, like a test run killed by a timeout\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180, check=True)
    pid = int(out.stdout.split()[-1])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _running(pid):
        time.sleep(0.2)
    still_running = _running(pid)
    if still_running:  # never leave it behind, even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not still_running
    assert "parent process" in (tmp_path / "orphan.log").read_text()


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
