"""The redactor started exactly as in production (gunicorn, the image's command), over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import pymupdf
import pytest
import requests

from services.redactor.tests import pdfs
from tools.synthetic import samples
from veil.clients.redactor import RedactorClient
from veil.paths import REPO_ROOT
from veil.procs import ManagedProcess, free_port, http_ready
from veil.services import SERVICES

MAX_BYTES = 2_000_000


@pytest.fixture(scope="module")
def redactor(tmp_path_factory) -> Iterator[str]:
    """Two gunicorn workers with two threads each; stopped by their own process group afterwards."""
    port = free_port()
    home = tmp_path_factory.mktemp("redactor")
    env = {"VEIL_REDACTOR_HOST": "127.0.0.1", "VEIL_REDACTOR_PORT": str(port), "VEIL_REDACTOR_WORKERS": "2",
           "VEIL_REDACTOR_THREADS": "2", "VEIL_REDACTOR_MAX_BYTES": str(MAX_BYTES), "VEIL_HOME": str(home)}
    proc = ManagedProcess("redactor", SERVICES["redactor"].local_argv(), env=env, cwd=REPO_ROOT,
                          log_path=home / "redactor.log")
    base = f"http://127.0.0.1:{port}"
    with proc:
        proc.wait_ready(http_ready(base + "/readyz"), timeout=90)
        yield base


@pytest.fixture(scope="module")
def document():
    return samples.generate(21, pages=3, templates="heldout")


def _metric(base: str, name: str, **labels: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    total = 0.0
    for family in text_string_to_metric_families(requests.get(base + "/metrics", timeout=10).text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def test_a_generated_note_is_extracted_and_redacted_over_http(redactor, document):
    extraction = requests.post(redactor + "/v1/extract", files={"file": ("note.pdf", document.pdf)}, timeout=60)
    assert extraction.status_code == 200
    headings = [p["text"] for p in extraction.json()["paragraphs"] if p["heading"]]
    assert headings == list(document.headings)
    resp = requests.post(redactor + "/v1/redact", files={"file": ("note.pdf", document.pdf)},
                         data={"spans": json.dumps(document.span_dicts()), "style": "label"}, timeout=120)
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/pdf"
    assert resp.headers["X-Redaction-Verified"] == "true"
    text = " ".join(page.get_text() for page in pymupdf.open("pdf", resp.content))
    assert not [s.text for s in document.spans if s.text in text]
    assert "[PERSON]" in text


def test_bad_input_over_http_is_a_problem_with_a_code_never_a_500(redactor):
    cases = [(b"not a pdf", 415, "not_a_pdf"), (pdfs.encrypted_pdf(), 422, "encrypted_pdf"),
             (pdfs.zero_page_pdf(), 422, "empty_pdf"),
             (b"%PDF-1.7\n" + b"\x00" * (MAX_BYTES + 10), 413, "too_large")]
    for data, status, code in cases:
        resp = requests.post(redactor + "/v1/extract", data=data, headers={"Content-Type": "application/pdf"},
                             timeout=60)
        assert (resp.status_code, resp.headers["Content-Type"]) == (status, "application/problem+json")
        assert resp.json()["code"] == code


def test_concurrent_documents_all_succeed_and_every_worker_counts_in_metrics(redactor):
    note = pdfs.pages_pdf([["Patient Maria Gonzalez, seen today."], ["Page two of the note."]])
    before = _metric(redactor, "veil_redactor_documents_total", operation="redact", outcome="ok")

    def one(_):
        return requests.post(redactor + "/v1/redact", files={"file": ("n.pdf", note)},
                             data={"spans": json.dumps([{"text": "Maria Gonzalez", "type": "PERSON"}])}, timeout=120)

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(one, range(12)))
    assert [a.status_code for a in answers] == [200] * 12
    assert all(a.headers["X-Redaction-Verified"] == "true" for a in answers)
    assert _metric(redactor, "veil_redactor_documents_total", operation="redact", outcome="ok") == before + 12


def test_a_450_page_document_goes_through_the_client_end_to_end(redactor):
    # Its spans are about 900 KB of JSON: as a form field they were over Werkzeug's 500 KB
    # cap (413); the client sends them as a file part.
    long = samples.generate(3, pages=450)
    # Less the one fragment of a date broken by a page end ("2025"), which is also printed, as no
    # PHI, on another page: strict verification rightly fails on it, and this test is about transport.
    spans = [s for s in long.span_dicts() if not s["text"].isdigit()]
    assert len(json.dumps(spans)) > 500_000
    client = RedactorClient(redactor, attempts=1)
    assert client.extract(long.pdf)["page_count"] == 450
    out, report = client.redact(long.pdf, spans)
    assert report["verified"] and report["page_count"] == 450 and report["spans_not_found"] == 0
    assert pymupdf.open("pdf", out).page_count == 450
