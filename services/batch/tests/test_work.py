"""Failure reasons written into the summary: the right kind, and never a phrase of the document."""

from __future__ import annotations

from services.batch import ledger
from services.batch.work import classify
from veil.clients.embedder import EmbedderUnavailable
from veil.clients.redactor import RedactorRejected, RedactorUnavailable
from veil.contracts import DocumentRejected


def _raised(exc):
    try:
        raise exc
    except Exception as caught:  # noqa: BLE001
        return caught


def test_when_the_in_process_redactor_refuses_a_document_then_it_is_rejected_with_the_redactors_reason():
    kind, error = classify(_raised(DocumentRejected("encrypted_pdf", "the PDF is encrypted")))

    assert kind == ledger.REJECTED
    assert "encrypted_pdf: the PDF is encrypted" in error


def test_when_the_redactor_service_refuses_a_redaction_then_the_reason_carries_its_code():
    kind, error = classify(_raised(RedactorRejected("redactor", 422, "Time limit exceeded", "stopped on page 3",
                                                    "time_limit_exceeded")))

    assert kind == ledger.REJECTED
    assert "time_limit_exceeded: stopped on page 3" in error


def test_when_a_service_is_down_then_the_failure_is_retryable():
    assert classify(_raised(EmbedderUnavailable("deadline exceeded")))[0] == ledger.UNAVAILABLE
    assert classify(_raised(RedactorUnavailable("redactor", 503, "Service Unavailable")))[0] == ledger.UNAVAILABLE


def test_when_an_unexpected_error_carries_a_phrase_then_the_reason_keeps_only_its_type_and_place():
    kind, error = classify(_raised(KeyError("Maria Gonzalez")))

    assert kind == ledger.ERROR
    assert "KeyError" in error and "test_work.py" in error
    assert "Maria" not in error
