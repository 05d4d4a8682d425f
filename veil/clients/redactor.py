"""Client of the redactor service: PDF -> paragraphs (POST /v1/extract), PDF + spans -> redacted PDF (POST /v1/redact).

    client = RedactorClient()                  # VEIL_REDACTOR_URL or http://127.0.0.1:8082
    document = client.extract(pdf_bytes)       # {"page_count", "paragraphs": [...], "blobs": [...]}
    redacted, report = client.redact(pdf_bytes, spans)

Errors: `RedactorUnavailable` (unreachable, 503, timeouts: after bounded retries) and
`RedactorRejected` (4xx: not a PDF, encrypted, too large, verification failed; the
problem's code and detail say which).
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any, Sequence

from veil.clients.http import HttpClient, ServiceError, ServiceRejected, ServiceUnavailable
from veil.contracts import DocumentRejected

DEFAULT_URL = "http://127.0.0.1:8082"


class RedactorError(ServiceError):
    pass


class RedactorUnavailable(ServiceUnavailable, RedactorError):
    pass


class RedactorRejected(ServiceRejected, RedactorError, DocumentRejected):
    """The redactor refused the document (a 4xx): the same `DocumentRejected` the redactor raises in-process."""

    @property
    def message(self) -> str:  # type: ignore[override]
        return self.detail or self.title


def _translate(exc: ServiceError) -> RedactorError:
    kind = RedactorUnavailable if isinstance(exc, ServiceUnavailable) else (
        RedactorRejected if isinstance(exc, ServiceRejected) else RedactorError)
    return kind(exc.service, exc.status, exc.title, exc.detail, exc.code, exc.retry_after)


class RedactorClient(HttpClient):
    service = "redactor"
    # A document is a worker's CPU for a while: with connections kept alive, two threads whose
    # connections one worker accepted would queue on it while another worker idles.
    reuse_connections = False

    def __init__(self, base_url: str | None = None, timeout: float = 600.0, attempts: int = 4):
        # Documents take seconds to minutes: the timeout is above the redactor's own time limit for
        # its longest document (120 s plus 0.25 s a page: 245 s for 500 pages, more with scanned pages).
        super().__init__(base_url or os.environ.get("VEIL_REDACTOR_URL") or DEFAULT_URL, timeout, attempts)

    def extract(self, pdf: bytes) -> dict[str, Any]:
        try:
            return self.request_json("POST", "/v1/extract", data=pdf, headers={"Content-Type": "application/pdf"})
        except ServiceError as exc:
            raise _translate(exc) from None

    def redact(self, pdf: bytes, spans: Sequence[dict[str, Any]], *, on_unverified: str = "return",
               **options: str) -> tuple[bytes, dict[str, Any]]:
        """The redacted PDF and the redactor's report (what was removed, scrubbed and verified).

        `on_unverified="return"` (the default here) gets the PDF even when the redactor's
        verification failed, with `verified: false` in the report, so the caller can repair
        it or withhold it; "reject" makes that a RedactorRejected (422 verification_failed).
        `options`: the redactor's style / images.
        """
        fields = {"format": "json", "on_unverified": on_unverified, **options}
        # The spans travel as a file part, not a form field: a long document's spans (megabytes
        # for 500 pages) are far over the 500 KB a server keeps in memory for one form field.
        files = {"file": ("document.pdf", pdf, "application/pdf"),
                 "spans": ("spans.json", json.dumps(list(spans)).encode("utf-8"), "application/json")}
        try:
            body = self.request_json("POST", "/v1/redact", files=files, data=fields)
        except ServiceError as exc:
            raise _translate(exc) from None
        try:
            return base64.b64decode(body["pdf_base64"]), body["report"]
        except (KeyError, TypeError, ValueError):
            raise RedactorError(self.service, 200, "answered without pdf_base64 and report") from None
