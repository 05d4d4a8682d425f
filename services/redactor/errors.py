"""Why a document cannot be processed: one exception with the error code and HTTP status the API answers."""

from __future__ import annotations

from typing import Any

NOT_A_PDF = "not_a_pdf"
CORRUPT = "corrupt_pdf"
ENCRYPTED = "encrypted_pdf"
EMPTY = "empty_pdf"
TOO_LARGE = "too_large"
TOO_MANY_PAGES = "too_many_pages"
NEEDS_OCR = "needs_ocr"
TIME_LIMIT = "time_limit_exceeded"
INVALID_SPANS = "invalid_spans"
INVALID_OPTION = "invalid_option"
VERIFICATION_FAILED = "verification_failed"

_STATUS_AND_TITLE = {
    NOT_A_PDF: (415, "Not a PDF"),
    CORRUPT: (422, "Corrupt PDF"),
    ENCRYPTED: (422, "Encrypted PDF"),
    EMPTY: (422, "PDF without pages"),
    TOO_LARGE: (413, "PDF too large"),
    TOO_MANY_PAGES: (413, "Too many pages"),
    NEEDS_OCR: (422, "Pages need OCR"),
    TIME_LIMIT: (422, "Time limit exceeded"),
    INVALID_SPANS: (400, "Invalid spans"),
    INVALID_OPTION: (400, "Invalid option"),
    VERIFICATION_FAILED: (422, "Verification failed"),
}


class DocumentError(Exception):
    """Input the redactor will not process; `code` and `status` are what the HTTP API answers.

    Raised by the logic package (which knows nothing of Flask); the app turns it into an
    application/problem+json response, and in-process callers catch it directly.
    """

    def __init__(self, code: str, message: str, **extra: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status, self.title = _STATUS_AND_TITLE.get(code, (422, "Unprocessable document"))
        self.extra = extra
