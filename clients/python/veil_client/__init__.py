"""Veil's caller package: de-identify PDFs and texts, follow jobs, verify callbacks, classify phrases.

    from veil_client import VeilClient

    client = VeilClient("https://veil.example.internal", api_key="...")
    result = client.deidentify_pdf("note.pdf", operators={"PERSON": {"type": "label"}})
    result.pdf, result.report
    client.deidentify_text("Seen by Maria Gonzalez on 03/07/2019.")["text"]

Needs only `requests`. Every POST carries an Idempotency-Key, so a retried upload never makes
a second job; retries (connection errors, 429, 502, 503, 504) wait what `Retry-After` says.
"""

from veil_client.callbacks import InvalidSignature, parse_callback, verify_signature
from veil_client.client import FINAL_STATUSES, PdfResult, VeilClient
from veil_client.errors import ApiError, JobFailed, JobTimeout, Unreachable, VeilError

__all__ = ["VeilClient", "PdfResult", "FINAL_STATUSES", "VeilError", "ApiError", "Unreachable", "JobFailed",
           "JobTimeout", "verify_signature", "parse_callback", "InvalidSignature"]
__version__ = "0.1.0"
