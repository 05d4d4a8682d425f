"""The redactor: PDF extraction (paragraphs, headings, blobs), true redaction, scrubbing and verification.

Published surface, for other services and tools that run the redactor in their own process:
`extract_pdf(pdf) -> dict` and `redact_pdf(pdf, spans) -> (bytes, report)`, which raise
`veil.contracts.DocumentRejected` for a document they will not process. Everything else in
this package is the service's own.
"""

from __future__ import annotations

from typing import Any

from veil.contracts import DocumentRejected

# Not named `extract`/`redact`: importing the modules of those names would replace them here.
__all__ = ["DocumentRejected", "extract_pdf", "redact_pdf"]


def extract_pdf(pdf: bytes, **options: Any) -> dict:
    """The document as paragraphs and blobs (PyMuPDF is imported on first use)."""
    from services.redactor.extract import extract as _extract

    return _extract(pdf, **options)


def redact_pdf(pdf: bytes, spans: list[dict], **options: Any) -> tuple[bytes, dict]:
    """The redacted, scrubbed and verified PDF and the redactor's report."""
    from services.redactor.redact import redact as _redact

    return _redact(pdf, spans, **options)
