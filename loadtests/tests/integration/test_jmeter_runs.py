"""Each plan, run by Debian's JMeter 2.13 in non-GUI mode against a local stand-in of the API.

These runs are the proof that the plans load in 2.13, send what the API expects (bodies,
batch sizes, the key, the upload field), follow a job to its document with a bounded poll
loop, stop by themselves, and that `veil loadtest run` prints figures from the JTL.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tools.commands.loadtest import plan_sample_properties
from tools.loadtest import runner, samples

VEIL = [sys.executable, "-m", "tools.cli"]


def _run(jmeter, plan, stub, small_samples, tmp_path, **props):
    base = {"port": stub.port, "threads": 2, "rampup": 0, "duration": 3}
    base.update(plan_sample_properties(plan, small_samples))
    base.update(props)
    return runner.run(plan, base, tmp_path / plan, jmeter=jmeter, secret_properties={"api_key": "lt-key"})


def test_classify_batch_1_sends_one_phrase_from_the_samples_with_the_key_to_the_gateway(jmeter, stub, small_samples,
                                                                                      tmp_path):
    result = _run(jmeter, "classify-batch1", stub, small_samples, tmp_path, duration=6)
    seen = stub.state.seen("classify")
    assert result.returncode == 0 and not result.timed_out
    assert seen and all(r["path"] == "/v1/classify" for r in seen)
    assert all(r["auth"] == "Bearer lt-key" and r["content_type"].startswith("application/json") for r in seen)
    assert all(r["body"]["model"] == "phi-type" and len(r["body"]["texts"]) == 1 for r in seen)
    rows = samples.read_classify_csv(small_samples / samples.BATCH1_CSV)
    assert seen[0]["body"]["texts"] in rows
    assert len(seen) > 20 and len({r["body"]["texts"][0] for r in seen}) > 10  # the CSV advances
    summary = result.summary
    assert summary.by_label["classify b1"].count == len(seen) and summary.overall.errors == 0
    assert result.seconds < runner.time_limit({"rampup": "0", "duration": "6", "response_timeout_ms": "30000"})
    assert "api_key" not in " ".join(result.properties) and not list(result.folder.glob("secret-*"))


def test_classify_batch_32_on_the_classifier_stops_after_its_loops(jmeter, stub, small_samples, tmp_path):
    result = _run(jmeter, "classify-batch32", stub, small_samples, tmp_path, duration=30, loops=5,
                  path="/v1/models/phi-type/predict")
    seen = stub.state.seen("classify")
    assert len(seen) == 2 * 5  # threads x loops, well before the 30 s duration
    assert result.seconds < 20
    assert all(r["path"] == "/v1/models/phi-type/predict" and len(r["body"]["texts"]) == 32 for r in seen)
    assert result.summary.by_label["classify b32"].count == 10


def test_deidentify_uploads_a_pdf_polls_until_succeeded_and_fetches_the_document(jmeter, stub, small_samples,
                                                                                  tmp_path):
    stub.state.polls_to_finish = 3
    result = _run(jmeter, "deidentify", stub, small_samples, tmp_path, loops=2, duration=20, poll_ms=20)
    uploads = stub.state.seen("upload")
    assert len(uploads) == 4 and all(u["pdf"] and u["filename"].endswith(".pdf") for u in uploads)
    assert all(u["auth"] == "Bearer lt-key" for u in uploads)
    for upload in uploads:
        polls = [p for p in stub.state.seen("poll") if p["job_id"] == upload["job_id"]]
        assert [p["status"] for p in polls] == ["queued", "running", "succeeded"]
        docs = [d for d in stub.state.seen("document") if d["job_id"] == upload["job_id"]]
        assert len(docs) == 1 and docs[0]["status"] == "succeeded"
    labels = result.summary.by_label
    assert labels["deid upload"].count == 4 and labels["deid status"].count == 12
    assert labels["deid document"].errors == 0 and labels["TX deidentify"].count == 4
    assert labels["TX deidentify"].p50_ms >= 3 * 20  # the whole exchange, poll waits included
    assert result.summary.overall.count == 4 + 12 + 4


def test_a_job_that_never_finishes_is_polled_at_most_poll_max_times_and_counted_as_an_error(jmeter, stub,
                                                                                          small_samples, tmp_path):
    stub.state.polls_to_finish = None
    result = _run(jmeter, "deidentify", stub, small_samples, tmp_path, threads=1, loops=2, duration=20, poll_ms=10,
                  poll_max=4)
    for upload in stub.state.seen("upload"):
        assert len([p for p in stub.state.seen("poll") if p["job_id"] == upload["job_id"]]) == 4
    labels = result.summary.by_label
    assert labels["deid document"].errors == labels["deid document"].count == 2
    assert labels["TX deidentify"].errors == 2


def test_mixed_runs_online_batch_and_document_callers_at_once(jmeter, stub, small_samples, tmp_path):
    stub.state.polls_to_finish = 1
    result = _run(jmeter, "mixed", stub, small_samples, tmp_path, threads=2, threads_b32=1, threads_deid=1,
                  poll_ms=20, duration=6)
    classify = stub.state.seen("classify")
    assert {len(r["body"]["texts"]) for r in classify} == {1, 32}
    assert all(r["content_type"].startswith("application/json") and r["auth"] == "Bearer lt-key" for r in classify)
    assert all(u["auth"] == "Bearer lt-key" for u in stub.state.seen("upload"))
    assert stub.state.seen("upload") and stub.state.seen("document")
    assert {"classify b1", "classify b32", "deid upload", "deid status", "deid document", "TX deidentify"} \
        <= set(result.summary.by_label)
    # The JSON content type is the classify callers' only; uploads are multipart.
    assert all(u["content_type"].startswith("multipart/form-data") for u in stub.state.seen("upload"))


def _cli(*args, env=None, timeout=120):
    return subprocess.run([*VEIL, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def test_veil_loadtest_run_prints_throughput_error_rate_and_percentiles(jmeter, stub, small_samples, tmp_path):
    done = _cli("loadtest", "run", "classify-batch1", "--port", str(stub.port), "--threads", "2", "--rampup", "0",
                "--duration", "3", "--samples-dir", str(small_samples), "--out", str(tmp_path / "run"),
                env={"VEIL_LOADTEST_API_KEY": "env-key"})
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "plan classify-batch1.jmx: 2 users, 3 s on 127.0.0.1" in out
    header = next(line for line in out.splitlines() if line.startswith("label"))
    for column in ("samples", "errors", "error %", "req/s", "p50 ms", "p90 ms", "p95 ms", "p99 ms"):
        assert column in header
    row = next(line for line in out.splitlines() if line.startswith("classify b1")).split()
    assert int(row[2]) == len(stub.state.seen("classify")) and row[3] == "0"
    assert all(r["auth"] == "Bearer env-key" for r in stub.state.seen("classify"))
    assert (tmp_path / "run" / "results.jtl").exists() and (tmp_path / "run" / "summary.json").exists()


def test_veil_loadtest_run_exits_1_when_requests_fail(jmeter, stub, small_samples, tmp_path):
    stub.state.classify_status = 503
    done = _cli("loadtest", "run", "classify-batch1", "--target", "classifier", "--port", str(stub.port),
                "--threads", "1", "--rampup", "0", "--duration", "2", "--samples-dir", str(small_samples),
                "--out", str(tmp_path / "run"))
    assert done.returncode == 1
    assert "error rate 100.00% is over 1.00%" in done.stderr
    assert "classify b1: 503" in done.stdout
    assert stub.state.seen("classify")[0]["path"] == "/v1/models/phi-type/predict"


def test_veil_loadtest_run_refuses_a_host_that_is_not_loopback_and_sends_nothing(stub, tmp_path):
    done = _cli("loadtest", "run", "classify-batch1", "--host", "192.0.2.10", "--out", str(tmp_path / "run"))
    assert done.returncode == 2 and "not loopback" in done.stderr
    done = _cli("loadtest", "run", "classify-batch1", "-J", "host=192.0.2.10", "--out", str(tmp_path / "run"))
    assert done.returncode == 2 and "--host" in done.stderr
    assert not stub.state.requests
