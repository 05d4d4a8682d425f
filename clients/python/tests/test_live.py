"""Against a live gateway: VEIL_GATEWAY_URL and VEIL_API_KEY name it (skipped without them); VEIL_TEST_PDF is a
PDF with PHI to de-identify, VEIL_TEST_MODEL a phrase head it serves (default phi-type)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from veil_client import ApiError, VeilClient

URL = os.environ.get("VEIL_GATEWAY_URL")
KEY = os.environ.get("VEIL_API_KEY")
pytestmark = pytest.mark.skipif(not (URL and KEY), reason="set VEIL_GATEWAY_URL and VEIL_API_KEY to a live gateway")

NOTE = "Call 617-555-0142 or write to anna.novak@example.com about the results."


@pytest.fixture(scope="module")
def client() -> VeilClient:
    return VeilClient(URL, KEY, timeout=120)


@pytest.fixture(scope="module")
def pdf() -> bytes:
    path = os.environ.get("VEIL_TEST_PDF")
    if not path:
        pytest.skip("set VEIL_TEST_PDF to a PDF with PHI")
    return Path(path).read_bytes()


def test_a_pdf_is_de_identified_with_its_report_and_the_job_can_be_deleted(client, pdf):
    result = client.deidentify_pdf(pdf, timeout=300, operators={"PHONE": {"type": "label"}})
    assert result.job["status"] == "succeeded"
    assert result.pdf.startswith(b"%PDF") and result.pdf != pdf
    assert result.report["entities"] and {"type", "score", "source", "page"} <= set(result.report["entities"][0])
    assert "risk" in result.report
    client.delete_job(result.job_id)
    with pytest.raises(ApiError) as gone:
        client.job(result.job_id)
    assert gone.value.status == 404 and gone.value.code == "unknown_job"


def test_the_same_idempotency_key_returns_the_first_job(client, pdf):
    key = str(uuid.uuid4())
    first = client.submit_pdf(pdf, idempotency_key=key)
    again = client.submit_pdf(pdf, idempotency_key=key)
    assert again["job_id"] == first["job_id"]
    assert client.wait(first["job_id"], timeout=300)["status"] == "succeeded"
    client.delete_job(first["job_id"])


def test_texts_are_de_identified_synchronously_with_their_ids_and_options(client):
    one = client.deidentify_text(NOTE, operators={"PHONE": {"type": "replace"}, "EMAIL": {"type": "redact"}})
    assert "617-555-0142" not in one["text"] and "anna.novak@example.com" not in one["text"]
    assert "[PHONE]" in one["text"]
    found = {(e["type"], NOTE[e["start"]:e["end"]]) for e in one["entities"]}
    assert ("PHONE", "617-555-0142") in found and ("EMAIL", "anna.novak@example.com") in found
    many = client.deidentify_text([{"id": "note-1", "text": NOTE}, "nothing to remove here"],
                                  entities=["EMAIL"])
    assert [t.get("id") for t in many["texts"]] == ["note-1", None]
    assert "617-555-0142" in many["texts"][0]["text"]  # only EMAIL was asked for
    assert many["texts"][1]["text"] == "nothing to remove here"


def test_phrases_are_classified(client):
    model = os.environ.get("VEIL_TEST_MODEL", "phi-type")
    answer = client.classify(model, ["Maria Gonzalez", "chest pain"], top_k=2)
    assert answer["model"] == model and len(answer["predictions"]) == 2


def test_a_wrong_key_is_a_401():
    with pytest.raises(ApiError) as refused:
        VeilClient(URL, "not-a-key").job("0" * 32)
    assert refused.value.status == 401
