"""The commands against the running stack, and job workers in processes of their own sharing a PostgreSQL queue."""

from __future__ import annotations

import subprocess
import sys
import time

import requests

from tools.synthetic import samples
from veil.paths import REPO_ROOT
from veil.procs import ManagedProcess, free_port, http_ready
from veil.services import SERVICES

A = {"Authorization": "Bearer key-a"}


def veil(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "tools.cli", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_veil_deidentify_writes_a_redacted_pdf_and_report_per_file(stack, tmp_path):
    inputs = []
    for seed in (21, 22):
        path = tmp_path / f"note-{seed}.pdf"
        path.write_bytes(samples.generate(seed, pages=1).pdf)
        inputs.append(str(path))
    out = tmp_path / "out"
    done = veil("deidentify", *inputs, "-o", str(out), "--url", stack.url("gateway"), "--api-key", "key-a")
    assert done.returncode == 0, done.stderr
    assert "2 of 2 files de-identified" in done.stdout
    for seed in (21, 22):
        assert (out / f"note-{seed}-redacted.pdf").read_bytes().startswith(b"%PDF")
        assert (out / f"note-{seed}-report.json").exists()


def test_veil_eval_scores_a_labelled_corpus_through_the_gateway(stack, tmp_path):
    done = veil("eval", str(tmp_path / "corpus"), "--generate", "2", "--pages", "1", "--url", stack.url("gateway"),
                "--api-key", "key-a")
    assert done.returncode == 0, done.stderr
    assert "redaction recall:" in done.stdout and "PERSON" in done.stdout


def test_api_replicas_and_separate_workers_share_one_postgres_queue(stack, postgres_url, tmp_path):
    env = {"VEIL_DATABASE_URL": postgres_url, "VEIL_API_KEYS": "team-a:key-a", "VEIL_HOME": str(tmp_path),
           "VEIL_CLASSIFIER_URL": stack.url("classifier"), "VEIL_REDACTOR_URL": stack.url("redactor"),
           "VEIL_CLASSIFIER_KEY": stack.classifier_key,
           "VEIL_ML_MODELS": stack.env["VEIL_ML_MODELS"], "VEIL_GATEWAY_POLL_SECONDS": "0.1"}
    port = free_port()
    api = ManagedProcess("gateway-api", SERVICES["gateway"].local_argv(), cwd=REPO_ROOT,
                         env={**env, "VEIL_GATEWAY_PORT": str(port), "VEIL_GATEWAY_WORKERS": "2",
                              "VEIL_GATEWAY_WORKER_THREADS": "0"}, log_path=tmp_path / "api.log")
    api.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    workers = [ManagedProcess(f"worker-{i}", [sys.executable, "-m", "services.gateway.worker"], cwd=REPO_ROOT,
                              env=env, log_path=tmp_path / f"worker-{i}.log") for i in range(2)]
    with api:
        api.wait_ready(http_ready(f"http://127.0.0.1:{port}/readyz"), timeout=120)
        pdf = samples.generate(31, pages=1).pdf
        ids = [requests.post(f"http://127.0.0.1:{port}/v1/deidentify", data=pdf, timeout=30,
                             headers={**A, "Content-Type": "application/pdf"}).json()["job_id"] for _ in range(4)]
        time.sleep(1)
        # No worker yet: the jobs wait in the queue, which survives until someone claims them.
        assert {requests.get(f"http://127.0.0.1:{port}/v1/jobs/{i}", headers=A, timeout=10).json()["status"]
                for i in ids} == {"queued"}
        for w in workers:
            w.start()
        try:
            deadline = time.monotonic() + 180
            statuses = {}
            while time.monotonic() < deadline:
                statuses = {i: requests.get(f"http://127.0.0.1:{port}/v1/jobs/{i}", headers=A, timeout=10).json()
                            for i in ids}
                if all(s["status"] in ("succeeded", "failed") for s in statuses.values()):
                    break
                time.sleep(0.3)
            assert {s["status"] for s in statuses.values()} == {"succeeded"}, statuses
        finally:
            for w in workers:
                w.stop()
    logs = "".join((tmp_path / f"worker-{i}.log").read_text() for i in range(2))
    # Each job was claimed exactly once, by one of the two processes.
    assert sorted(i for i in ids if logs.count(f"job {i} claimed") == 1) == sorted(ids)


def test_veil_deidentify_local_runs_the_same_pipeline_in_process(phrase_models, tmp_path):
    import os

    source = tmp_path / "note.pdf"
    source.write_bytes(samples.generate(23, pages=1).pdf)
    env = {**os.environ, "VEIL_MODEL_REGISTRY": str(phrase_models["registry"]), "VEIL_ML_MODELS": str(phrase_models["ml"]),
           "VEIL_HOME": str(tmp_path / "home"), "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = veil("deidentify", "--local", str(source), "-o", str(tmp_path / "out.pdf"), "--report",
                str(tmp_path / "report.json"), env=env)
    assert done.returncode == 0, done.stderr
    import json

    report = json.loads((tmp_path / "report.json").read_text())
    assert report["verification"]["verified"] and report["models"] == {
        "dl": "phi-type", "dl_version": "v1", "ml": "phi-type-ml", "ml_version": "v1",
        "tagger": None, "tagger_version": None}   # no token head in this registry: the tagger did not run
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")
