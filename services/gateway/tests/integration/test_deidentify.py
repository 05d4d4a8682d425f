"""De-identification through the public API of the real stack: upload, job, redacted PDF, report, callback, metrics."""

from __future__ import annotations

import json
import re
import time

import pymupdf
import requests

from services.gateway.callbacks import verify
from tools.synthetic import samples
from veil.contracts import normalize

A = {"Authorization": "Bearer key-a"}
B = {"Authorization": "Bearer key-b"}


def wait_job(base, job_id, headers=A, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = requests.get(f"{base}/v1/jobs/{job_id}", headers=headers, timeout=10).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout}s")


def text_of(pdf: bytes) -> str:
    with pymupdf.open("pdf", pdf) as doc:
        return normalize(" ".join(page.get_text() for page in doc))


def test_a_clinical_pdf_comes_back_redacted_with_a_report_and_a_signed_callback(stack, receiver):
    base = stack.url("gateway")
    sample = samples.generate(11, pages=2, templates="train")
    resp = requests.post(f"{base}/v1/deidentify", headers=A, files={"file": ("note.pdf", sample.pdf)},
                         data={"callback_url": receiver["url"]}, timeout=30)
    assert resp.status_code == 202, resp.text
    job_id = resp.json()["job_id"]
    job = wait_job(base, job_id)
    assert job["status"] == "succeeded", job
    assert set(job["result"]) == {"risk", "counts"}

    redacted = requests.get(f"{base}/v1/jobs/{job_id}/document", headers=A, timeout=30)
    assert redacted.headers["Content-Type"] == "application/pdf"
    output = text_of(redacted.content)
    # Everything with a shape (dates, phones, e-mail, IDs, addresses, URLs, IPs) is gone from the text.
    shaped = {s.text for s in sample.spans if s.type not in ("PERSON", "ORGANIZATION")}
    left = [s for s in shaped if re.search(r"(?<!\w)" + re.escape(normalize(s)) + r"(?!\w)", output)]
    assert not left, f"{len(left)} labelled strings left in the output"
    assert "Discharge" in output or "Referral" in output or "Progress" in output  # the rest of the text stays

    report = requests.get(f"{base}/v1/jobs/{job_id}/report", headers=A, timeout=30).json()
    assert report["job_id"] == job_id and report["verification"]["verified"]
    sources = {e["source"] for e in report["entities"]}
    # Which sources find what depends on the sample (propagation has its own tests); all are named.
    assert "pattern" in sources and sources <= {"model", "ml", "pattern", "propagated"}
    for e in report["entities"]:
        assert {"type", "score", "source", "page", "bbox"} <= set(e) and len(e["bbox"]) == 4
        assert "text" not in e  # the report names where PHI was, never the PHI
    assert set(report["timings"]) >= {"extract", "predict", "hybrid_search", "redact", "verify"}
    assert report["models"]["dl"] == "phi-type" and report["models"]["ml"] == "phi-type-ml"

    # Another team sees nothing of it.
    assert requests.get(f"{base}/v1/jobs/{job_id}/document", headers=B, timeout=10).status_code == 404

    deadline = time.monotonic() + 30
    while not receiver["got"] and time.monotonic() < deadline:
        time.sleep(0.1)
    headers, body = receiver["got"][0]
    assert json.loads(body)["job_id"] == job_id and json.loads(body)["status"] == "succeeded"
    assert verify("integration-secret", headers["X-Veil-Signature"], body)

    metrics = requests.get(f"{base}/metrics", timeout=10).text
    assert re.search(r'veil_gateway_stage_seconds_count\{stage="redact"\} [1-9]', metrics)


def test_a_pdf_the_redactor_cannot_read_fails_its_job_with_the_reason(stack):
    base = stack.url("gateway")
    resp = requests.post(f"{base}/v1/deidentify", data=b"%PDF-1.7 but nothing else", timeout=30,
                         headers={**A, "Content-Type": "application/pdf"})
    assert resp.status_code == 202
    job = wait_job(base, resp.json()["job_id"])
    assert job["status"] == "failed" and "could not be processed" in job["error"]


def test_classify_reaches_the_classifier_through_the_gateway(stack):
    resp = requests.post(f"{stack.url('gateway')}/v1/classify", headers=A, timeout=30,
                         json={"model": "phi-type", "texts": ["Maria Gonzalez", "03/14/2021"]})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["model"] == "phi-type" and len(body["predictions"]) == 2
    missing = requests.post(f"{stack.url('gateway')}/v1/classify", headers=A, timeout=30,
                            json={"model": "no-such-model", "texts": ["x"]})
    assert missing.status_code == 404


def test_the_gateway_is_ready_only_with_its_dependencies(stack):
    body = requests.get(f"{stack.url('gateway')}/readyz", timeout=10).json()
    assert body["checks"] == {"store": True, "redactor": True, "classifier": True}
