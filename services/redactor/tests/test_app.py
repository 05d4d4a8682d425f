"""The HTTP API through Flask's test client: formats, the redaction answer, and a clear 4xx for every bad input."""

from __future__ import annotations

import base64
import io
import json

import pymupdf
import pytest
from prometheus_client import CollectorRegistry

from services.redactor.app import create_app
from services.redactor.tests import pdfs

SPANS = [{"page": 1, "text": "Maria Gonzalez", "type": "PERSON"}]


def make_client(**settings):
    app = create_app({"TESTING": True, "metrics_registry": CollectorRegistry(), **settings})
    return app.test_client()


@pytest.fixture(scope="module")
def client():
    return make_client()


@pytest.fixture(scope="module")
def note() -> bytes:
    return pdfs.pages_pdf([["Patient: Maria Gonzalez", "Seen today for a follow-up visit."]])


def upload(data: bytes, **fields):
    return {"file": (io.BytesIO(data), "note.pdf"), **fields}


def test_extract_takes_a_multipart_file_or_a_pdf_body_and_answers_the_same(client, note):
    a = client.post("/v1/extract", data=upload(note))
    b = client.post("/v1/extract", data=note, content_type="application/pdf")
    assert a.status_code == b.status_code == 200
    strip = lambda d: {k: v for k, v in d.items() if k != "seconds"}  # noqa: E731
    assert strip(a.json) == strip(b.json)
    assert a.json["paragraphs"][0]["text"] == "Patient: Maria Gonzalez" and a.json["page_count"] == 1


def test_redact_answers_the_redacted_pdf_with_the_verification_in_headers(client, note):
    resp = client.post("/v1/redact", data=upload(note, spans=json.dumps(SPANS)))
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.headers["X-Redaction-Verified"] == "true"
    assert resp.headers["X-Redaction-Areas"] == "1" and resp.headers["X-Redaction-Spans-Not-Found"] == "0"
    text = pymupdf.open("pdf", resp.data)[0].get_text()
    assert "Gonzalez" not in text and "follow-up visit" in text


def test_redact_answers_json_with_the_full_report_when_asked(client, note):
    body = {"pdf_base64": base64.b64encode(note).decode(), "spans": SPANS, "style": "label"}
    resp = client.post("/v1/redact", json=body, headers={"Accept": "application/json"})
    assert resp.status_code == 200 and resp.is_json
    assert resp.json["verified"] is True and resp.json["report"]["style"] == "label"
    pdf = base64.b64decode(resp.json["pdf_base64"])
    assert "[PERSON]" in pymupdf.open("pdf", pdf)[0].get_text()
    again = client.post("/v1/redact", data=upload(note, spans=json.dumps(SPANS), format="json"))
    assert again.is_json and again.json["report"]["areas"] == 1


def test_when_verification_fails_then_it_is_422_without_a_pdf_unless_the_caller_takes_it():
    # OCR off: with it, the page would fall back to pixel redaction and be delivered (test_pixels).
    client = make_client(redactor_ocr="off")
    data = pdfs.lying_text_layer_pdf("Patient Maria Gonzalez seen today")
    resp = client.post("/v1/redact", data=upload(data, spans=json.dumps(SPANS)))
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    assert resp.json["code"] == "verification_failed" and resp.json["verified"] is False
    assert resp.json["report"]["leaks"][0]["found_in"] == "content-stream"
    assert "content-stream (page 1)" in resp.json["detail"]
    taken = client.post("/v1/redact", data=upload(data, spans=json.dumps(SPANS), on_unverified="return"))
    assert taken.status_code == 200 and taken.headers["X-Redaction-Verified"] == "false"
    assert taken.headers["X-Redaction-Leaks"] == "1"


def _problem(resp, status, code):
    assert resp.status_code == status, resp.data[:300]
    assert resp.mimetype == "application/problem+json"
    assert resp.json["code"] == code and resp.json["detail"] and resp.json["request_id"]


@pytest.mark.parametrize("name, data, status, code", [
    ("not a pdf", b"hello world", 415, "not_a_pdf"),
    ("corrupt", pdfs.pages_pdf([["x" * 50]])[:300], 422, "corrupt_pdf"),
    ("encrypted", pdfs.encrypted_pdf(), 422, "encrypted_pdf"),
    ("no pages", pdfs.zero_page_pdf(), 422, "empty_pdf"),
])
def test_bad_documents_get_a_clear_4xx_from_both_endpoints(client, name, data, status, code):
    _problem(client.post("/v1/extract", data=upload(data)), status, code)
    _problem(client.post("/v1/redact", data=upload(data, spans=json.dumps(SPANS))), status, code)


def test_with_ocr_off_a_scan_without_text_is_422_needs_ocr():
    client = make_client(redactor_ocr="off")
    _problem(client.post("/v1/extract", data=upload(pdfs.image_only_pdf())), 422, "needs_ocr")
    _problem(client.post("/v1/redact", data=upload(pdfs.image_only_pdf(), spans=json.dumps(SPANS))), 422,
             "needs_ocr")


def test_limits_from_the_configuration_are_413_and_422():
    big = pdfs.pages_pdf([["page one"], ["page two"], ["page three"]])
    _problem(make_client(redactor_max_bytes=len(big) - 1).post("/v1/extract", data=upload(big)), 413, "too_large")
    _problem(make_client(redactor_max_pages=2).post("/v1/extract", data=upload(big)), 413, "too_many_pages")
    tiny = make_client(redactor_time_limit_s=1e-9, redactor_time_per_page_s=1e-9)
    _problem(tiny.post("/v1/extract", data=upload(big)), 422, "time_limit_exceeded")


def test_requests_without_a_usable_pdf_or_spans_are_400_or_415(client, note):
    _problem(client.post("/v1/extract", data={"other": "x"}, content_type="multipart/form-data"), 400, "missing_file")
    _problem(client.post("/v1/extract", data=b"", content_type="application/pdf"), 400, "missing_file")
    _problem(client.post("/v1/extract", data="text", content_type="text/plain"), 415, "unsupported_media_type")
    _problem(client.post("/v1/redact", data=note, content_type="application/pdf"), 415, "unsupported_media_type")
    _problem(client.post("/v1/redact", data=upload(note)), 400, "invalid_spans")
    _problem(client.post("/v1/redact", data=upload(note, spans="[{")), 400, "invalid_spans")
    _problem(client.post("/v1/redact", data=upload(note, spans='[{"page": 7, "text": "x"}]')), 400, "invalid_spans")
    _problem(client.post("/v1/redact", data=upload(note, spans='[{"text": "x", "style": "blur"}]')), 400, "invalid_spans")
    _problem(client.post("/v1/redact", data=upload(note, spans="[]", style="blur")), 400, "invalid_option")
    _problem(client.post("/v1/redact", json={"spans": []}), 400, "missing_file")
    _problem(client.post("/v1/redact", json={"pdf_base64": "***", "spans": []}), 400, "missing_file")
    _problem(client.post("/v1/redact", json=[1, 2]), 400, "invalid_request")
    _problem(client.post("/v1/redact", data="{", content_type="application/json"), 400, "malformed_json")


def test_health_readiness_and_metrics(client, note):
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["checks"] == {"pymupdf": True}
    client.post("/v1/extract", data=upload(note))
    client.post("/v1/extract", data=b"nope", content_type="application/pdf")
    metrics = client.get("/metrics").data.decode()
    assert 'veil_redactor_documents_total{operation="extract",outcome="ok"}' in metrics
    assert 'veil_redactor_documents_total{operation="extract",outcome="not_a_pdf"}' in metrics
    assert 'veil_redactor_pages_total{operation="extract"}' in metrics
