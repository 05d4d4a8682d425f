"""Pages whose text is in pixels, made readable before extraction and redaction: plan, OCR, text layer.

`prepare(doc, options, deadline)` runs on the opened document, before anything reads its
text: each page is checked (cheaply; a page without images and without glyph-like
paths is done at once), the pages that need it are OCR'd (`ocr`), and what only their
pixels say is written into them as an invisible text layer (`textlayer`). Extraction and
redaction run it the same way on the same bytes, so the words detection saw are the words
redaction finds. With OCR off or Tesseract missing, scans are refused (needs_ocr) as before.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import pymupdf

from services.redactor import ocr, pdf, textlayer
from services.redactor.limits import Deadline

_log = logging.getLogger(__name__)
_INLINE_IMAGE = re.compile(rb"(?:^|\s)BI\s")


@dataclass
class PixelPage:
    """A page whose pixels were read: why, and the boxes of the words written into its text layer."""

    number: int
    kind: str
    words: int
    regions: list[pymupdf.Rect]
    added: list[pymupdf.Rect] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"page": self.number, "kind": self.kind, "ocr_words": self.words, "words_added": len(self.added)}


def prepare(doc: pymupdf.Document, options: ocr.OcrOptions, deadline: Deadline) -> dict[int, PixelPage]:
    """OCRs the pages whose text is in pixels and adds it to their text layer; {page number: PixelPage}.

    Raises DocumentRejected (needs_ocr) for scans when OCR is off or Tesseract is not installed.
    """
    plans: dict[int, ocr.Plan] = {}
    refused: list[int] = []
    for index in range(doc.page_count):
        number = index + 1
        with pdf.mupdf_errors(f"reading page {number}"):
            page = doc[index]
            has_images = bool(page.get_images(full=False)) or _INLINE_IMAGE.search(_contents(page)) is not None
            if not has_images and not _may_have_outlines(page):
                continue
            chars = len("".join(page.get_text(flags=pdf.EXTRACT_FLAGS).split()))
            scan = has_images and pdf.needs_ocr(page, chars)
            if not options.enabled:
                if scan:
                    refused.append(number)
                continue
            p = ocr.plan(page, chars, scan)
            if p is not None:
                plans[index] = p
    pdf.refuse_ocr_pages(refused)
    if not plans:
        return {}
    deadline.allow(options.time_per_page_s * len(plans))
    deadline.check("OCR")
    with pdf.mupdf_errors("OCR"):
        ocr.ocr_pages(plans, doc, options)
    out: dict[int, PixelPage] = {}
    for index, p in plans.items():
        with pdf.mupdf_errors(f"the OCR text layer of page {index + 1}"):
            added = textlayer.apply(doc[index], p)
        out[index + 1] = PixelPage(index + 1, p.kind, len(p.words), p.regions, added)
    return out


def _contents(page: pymupdf.Page) -> bytes:
    try:
        return page.read_contents()
    except (ValueError, RuntimeError):
        return b""


def _may_have_outlines(page: pymupdf.Page) -> bool:
    """A quick test before the drawings are read: outlines are filled paths with curves (`c` operators)."""
    data = _contents(page)
    if b" c\n" not in data and b" c " not in data:
        # Outlines inside a form XObject are not seen here; the page is then read as drawn.
        return bool(page.get_xobjects())
    return True
