"""What crosses a service boundary, defined once: PHI entity types, the extraction's paragraphs,
redaction spans, the rejection error and the text fold every comparison uses.

The redactor produces paragraphs and consumes spans, the gateway consumes paragraphs and
produces spans, the classifier labels phrases with the entity types, and the tools score all
of it; each imports these definitions from here instead of keeping its own copy.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Sequence

# HIPAA Safe Harbor identifiers as Veil names them (DESIGN.md, "Entity types").
PERSON, DATE, AGE, PHONE, EMAIL, ID, LOCATION, URL, IP, ORGANIZATION = (
    "PERSON", "DATE", "AGE", "PHONE", "EMAIL", "ID", "LOCATION", "URL", "IP", "ORGANIZATION")
ENTITY_TYPES: tuple[str, ...] = (PERSON, DATE, AGE, PHONE, EMAIL, ID, LOCATION, URL, IP, ORGANIZATION)
# The label a phrase head gives to a phrase that is none of the above.
NONE = "NONE"
PHRASE_LABELS: tuple[str, ...] = (*ENTITY_TYPES, NONE)

_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC (ligatures and full-width forms expanded) with whitespace runs collapsed to one space:
    how a reader compares two pieces of text."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def fold(text: str) -> str:
    """`normalize` then `casefold()`: the key for case-insensitive comparison in any script
    ("STRASSE" and "Straße" fold alike; `lower()` would not)."""
    return normalize(text).casefold()


# -- a document that cannot be processed ----------------------------------------------------

# Why a document is refused: the `code` of the problem+json answer, with its HTTP status.
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

REJECTIONS: dict[str, tuple[int, str]] = {
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


class DocumentRejected(Exception):
    """The document cannot be de-identified as sent (not a readable PDF, encrypted, too large): retrying
    cannot help. `code` and `status` are what an HTTP API answers; `message` says why, for the caller.

    The redactor raises it; its HTTP client raises a subclass of it for the same answer over the
    wire, so the pipeline, the job worker and a batch runner catch this one type wherever the
    redactor runs.
    """

    def __init__(self, code: str, message: str, **extra: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status, self.title = REJECTIONS.get(code, (422, "Unprocessable document"))
        self.extra = extra


# -- the extraction's paragraphs ------------------------------------------------------------

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of an extraction as the pipeline reads it: text, where it is, and its blob
    (the run of paragraphs under one heading; blobs are independent of each other)."""

    index: int
    text: str
    page: int
    bbox: Box
    blob: int
    heading: bool = False
    header_footer: bool = False


def _bbox(value: Any) -> Box:
    if isinstance(value, dict):
        value = (value.get("x0"), value.get("y0"), value.get("x1"), value.get("y1"))
    x0, y0, x1, y1 = (float(v) for v in value)
    return (x0, y0, x1, y1)


def paragraphs_from_extraction(document: dict) -> list[Paragraph]:
    """The redactor's extraction result (`{"paragraphs": [...]}`) as Paragraphs, with blobs from its
    blob ids or, when it has none, from its headings.

    A heading opens a new blob; page headers and footers form blobs of their own, because they
    repeat on every page and do not belong to the section around them.
    """
    raw: Sequence[dict] = document.get("paragraphs", [])
    have_blob_ids = all("blob_id" in p for p in raw)
    paragraphs: list[Paragraph] = []
    blob = -1
    for i, p in enumerate(raw):
        heading = bool(p.get("heading", False))
        header_footer = bool(p.get("header_footer", False))
        if have_blob_ids:
            blob_id = int(p["blob_id"])
        else:
            if heading or blob < 0 or not p.get("dep_flag", True) or header_footer:
                blob += 1
            blob_id = blob
        paragraphs.append(Paragraph(index=i, text=str(p.get("text", "")), page=int(p.get("page", 0)),
                                    bbox=_bbox(p.get("bbox", (0, 0, 0, 0))), blob=blob_id, heading=heading,
                                    header_footer=header_footer))
    return paragraphs


# -- what the gateway asks the redactor to remove --------------------------------------------

@dataclass(frozen=True)
class RedactionSpan:
    """Every occurrence of `text` on `page` (from 1) is to be removed; `type` labels it in the report."""

    page: int
    text: str
    type: str

    def as_json(self) -> dict[str, Any]:
        return {"page": self.page, "text": self.text, "type": self.type}
