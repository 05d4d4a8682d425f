"""Fixtures of the load-test tests: a recording stand-in for the gateway and classifier APIs, JMeter, samples."""

from __future__ import annotations

import itertools
import logging
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

from tools.loadtest import runner, samples

TINY_PDF_MARK = b"%PDF-1.7 redacted"


@dataclass
class StubState:
    """What the stand-in saw, and how it behaves (polls before a job is done, failing routes)."""

    polls_to_finish: int | None = 2  # None: jobs never finish
    classify_status: int = 200
    requests: list[dict] = field(default_factory=list)
    jobs: dict[str, dict] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(self, kind: str) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["kind"] == kind]


def _stub_app(state: StubState) -> Flask:
    """The routes and bodies of the gateway (/v1/classify, /v1/deidentify, /v1/jobs) and the classifier's
    predict route, as DESIGN.md defines them: what the plans talk to, without a model behind them."""
    app = Flask("loadtest-stub")
    counter = itertools.count()

    def record(kind: str, **extra) -> None:
        with state.lock:
            state.requests.append({"kind": kind, "auth": request.headers.get("Authorization"),
                                   "content_type": request.headers.get("Content-Type", ""), **extra})

    def classify(model: str | None):
        body = request.get_json(force=True, silent=True)
        record("classify", body=body, path=request.path)
        if state.classify_status != 200:
            return Response('{"title": "unavailable"}', status=state.classify_status,
                            mimetype="application/problem+json")
        texts = body["texts"]
        return jsonify(model=model or body["model"], version="v1",
                       predictions=[{"label": "PERSON", "probability": 0.9} for _ in texts])

    @app.post("/v1/classify")
    def gateway_classify():
        return classify(None)

    @app.post("/v1/models/<name>/predict")
    def classifier_predict(name):
        return classify(name)

    @app.post("/v1/deidentify")
    def deidentify():
        upload = request.files.get("file")
        data = upload.read() if upload else b""
        job_id = f"job-{next(counter)}-{uuid.uuid4().hex[:6]}"
        record("upload", job_id=job_id, filename=upload.filename if upload else None, pdf=data.startswith(b"%PDF"),
               size=len(data))
        with state.lock:
            state.jobs[job_id] = {"polls": 0}
        return jsonify(job_id=job_id, status="queued"), 202

    @app.get("/v1/jobs/<job_id>")
    def job(job_id):
        with state.lock:
            job = state.jobs.get(job_id)
            if job is None:
                return Response('{"title": "not found"}', status=404, mimetype="application/problem+json")
            job["polls"] += 1
            done = state.polls_to_finish is not None and job["polls"] >= state.polls_to_finish
            status = "succeeded" if done else ("running" if job["polls"] > 1 else "queued")
            job["status"] = status
        record("poll", job_id=job_id, status=status)
        body = {"job_id": job_id, "status": status}
        if done:
            # Sorted keys put "result" first; a nested "status" must not be taken for the job's.
            body["result"] = {"risk": {"residual": 0.1, "status": "low"}, "counts": {"PERSON": 2}}
        return jsonify(body)

    @app.get("/v1/jobs/<job_id>/document")
    def document(job_id):
        with state.lock:
            job = state.jobs.get(job_id, {})
        record("document", job_id=job_id, status=job.get("status"))
        if job.get("status") != "succeeded":
            return Response('{"title": "not ready"}', status=409, mimetype="application/problem+json")
        return Response(TINY_PDF_MARK, mimetype="application/pdf")

    return app


@dataclass
class Stub:
    state: StubState
    port: int


@pytest.fixture()
def stub():
    """The stand-in on 127.0.0.1, a free port, threaded; shut down after the test."""
    state = StubState()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per request is noise here
    server = make_server("127.0.0.1", 0, _stub_app(state), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="loadtest-stub", daemon=True)
    thread.start()
    try:
        yield Stub(state, server.server_port)
    finally:
        server.shutdown()
        thread.join(10)


@pytest.fixture(scope="session")
def jmeter():
    """The machine's JMeter (Debian 2.13 via the launcher); these tests need the real one."""
    try:
        return runner.find_jmeter()
    except runner.JMeterNotFound as exc:
        pytest.skip(f"JMeter is not installed: {exc}")


@pytest.fixture(scope="session")
def small_samples(tmp_path_factory) -> Path:
    """A small but complete sample set (same generator, smaller pool and files) for fast runs."""
    folder = tmp_path_factory.mktemp("samples")
    samples.generate(folder, pool_size=3000, rows_batch1=2000, rows_batch32=200, pdf_files_per_size=1, pdf_rows=50,
                     pdf_sizes={"small": 1, "medium": 2})
    return folder
