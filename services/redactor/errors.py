"""Why the redactor refuses a document: the codes and the one exception (`veil.contracts.DocumentRejected`) it raises."""

from __future__ import annotations

from veil.contracts import (
    CORRUPT,
    EMPTY,
    ENCRYPTED,
    INVALID_OPTION,
    INVALID_SPANS,
    NEEDS_OCR,
    NOT_A_PDF,
    TIME_LIMIT,
    TOO_LARGE,
    TOO_MANY_PAGES,
    VERIFICATION_FAILED,
    DocumentRejected,
)

__all__ = ["CORRUPT", "EMPTY", "ENCRYPTED", "INVALID_OPTION", "INVALID_SPANS", "NEEDS_OCR", "NOT_A_PDF", "TIME_LIMIT",
           "TOO_LARGE", "TOO_MANY_PAGES", "VERIFICATION_FAILED", "DocumentRejected"]
