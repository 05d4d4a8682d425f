"""Opening untrusted PDFs: the checks every document passes first, MuPDF's errors as DocumentErrors, text flags.

A document is refused, with its own error code, when it is not a PDF, cannot be parsed,
is encrypted, has no pages, is over the byte or page limit, or has pages that are images
of text (they need OCR: text the extractor cannot see cannot be redacted, so such a
document is never passed as clean).
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from typing import Iterator

import pymupdf

from services.redactor import errors
from services.redactor.limits import Limits

_log = logging.getLogger(__name__)

# The PDF header may follow some junk, but only within the first 1024 bytes (as readers allow).
_HEADER_WINDOW = 1024

# Ligatures are expanded (ﬁ -> fi) so text is found and classified as a reader reads it;
# whitespace is kept so words stay apart. No MEDIABOX_CLIP: text placed outside the visible
# page is still in the file, so it is extracted, redacted and verified like any other.
# ActualText (marked-content replacement text) is ignored: the glyphs drawn are what can be
# located and removed; the replacement strings themselves are stripped by the scrub.
EXTRACT_FLAGS = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_IGNORE_ACTUALTEXT
SEARCH_FLAGS = EXTRACT_FLAGS | pymupdf.TEXT_DEHYPHENATE
EVERYWHERE = pymupdf.Rect(-1e7, -1e7, 1e7, 1e7)

# A page is an image of text when it has (almost) no text but images cover it.
_OCR_TEXT_CHARS = 200
_OCR_IMAGE_COVERAGE = 0.5
_OCR_MIN_IMAGE_COVERAGE = 0.01

pymupdf.TOOLS.mupdf_display_errors(False)  # MuPDF's repair chatter would bypass our JSON logs
pymupdf.TOOLS.mupdf_display_warnings(False)

# PyMuPDF is not thread-safe: one document at a time per process. Its work holds the GIL
# anyway, so processes (gunicorn workers, Dask processes), not threads, add throughput.
LOCK = threading.RLock()


@contextlib.contextmanager
def mupdf_errors(stage: str) -> Iterator[None]:
    """MuPDF failing on the document's content (a broken stream, a bad object) is a corrupt PDF, not a 500."""
    try:
        yield
    except (pymupdf.mupdf.FzErrorBase, pymupdf.FileDataError) as exc:
        _log.info("MuPDF failed during %s: %s", stage, type(exc).__name__)
        raise errors.DocumentRejected(errors.CORRUPT, f"the PDF is damaged and could not be read ({stage})") from None
    except RuntimeError as exc:
        # PyMuPDF's C++ helpers pass MuPDF's own errors on as RuntimeError("code=8: invalid key in dict"):
        # the numbered ones are MuPDF failing on the file; anything else is ours and stays a 500.
        if not str(exc).startswith("code="):
            raise
        _log.info("MuPDF failed during %s: %s", stage, str(exc).split(":", 1)[0])
        raise errors.DocumentRejected(errors.CORRUPT, f"the PDF is damaged and could not be read ({stage})") from None
    except ValueError as exc:
        # PyMuPDF reports an object a repaired file refers to but no longer has as ValueError("bad xref").
        if "xref" not in str(exc):
            raise
        _log.info("PyMuPDF found a missing object during %s", stage)
        raise errors.DocumentRejected(errors.CORRUPT, f"the PDF is damaged: an object it needs is missing ({stage})"
                                      ) from None


def open_pdf(data: bytes, limits: Limits) -> pymupdf.Document:
    """The document, after the checks that need no page content; raises DocumentRejected."""
    if not data:
        raise errors.DocumentRejected(errors.NOT_A_PDF, "the file is empty")
    if len(data) > limits.max_bytes:
        raise errors.DocumentRejected(errors.TOO_LARGE,
                                   f"the PDF has {len(data)} bytes, over the limit of {limits.max_bytes}",
                                   limit=limits.max_bytes)
    if b"%PDF-" not in data[:_HEADER_WINDOW]:
        raise errors.DocumentRejected(errors.NOT_A_PDF, "the file does not start like a PDF (no %PDF- header)")
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except (pymupdf.FileDataError, pymupdf.mupdf.FzErrorBase, RuntimeError, ValueError):
        raise errors.DocumentRejected(errors.CORRUPT, "the PDF is damaged and could not be opened") from None
    try:
        _check_opened(doc, limits)
    except BaseException:
        doc.close()
        raise
    return doc


def _check_opened(doc: pymupdf.Document, limits: Limits) -> None:
    if doc.needs_pass:
        raise errors.DocumentRejected(errors.ENCRYPTED, "the PDF is password-protected; send it decrypted")
    if doc.is_encrypted or (doc.metadata or {}).get("encryption"):
        # Even an owner-password (permissions) encryption is refused: the output could not keep
        # it, and removing it silently is not ours to decide.
        raise errors.DocumentRejected(errors.ENCRYPTED, "the PDF is encrypted; send it decrypted")
    with mupdf_errors("reading the page tree"):
        count = doc.page_count
        if doc.is_repaired and count:
            _check_repaired(doc)
        doc.veil_hidden_layers = flatten_layers(doc)
    if count == 0:
        if _declares_no_pages(doc):
            raise errors.DocumentRejected(errors.EMPTY, "the PDF has no pages")
        raise errors.DocumentRejected(errors.CORRUPT, "the PDF's page tree is damaged; no page could be read")
    if count > limits.max_pages:
        raise errors.DocumentRejected(errors.TOO_MANY_PAGES,
                                   f"the PDF has {count} pages, over the limit of {limits.max_pages}",
                                   limit=limits.max_pages, pages=count)


_REFERENCE = re.compile(r"\b(\d+) 0 R\b")


def _check_repaired(doc: pymupdf.Document) -> None:
    """Refuses a repaired file that lost objects it refers to (a truncated download, a broken copy).

    MuPDF repairs such a file by scanning for objects, and what is left opens: but pages whose
    content streams are gone read as empty, so the document would pass as clean with its text
    silently missing. A repaired file whose objects are all there (only the xref was wrong) is fine.
    """
    size = doc.xref_length()
    missing = 0
    for xref in range(1, size):
        try:
            source = doc.xref_object(xref, compressed=True)
        except (ValueError, RuntimeError, pymupdf.mupdf.FzErrorBase):
            missing += 1
            continue
        if any(int(ref) >= size for ref in _REFERENCE.findall(source)):
            missing += 1
    for page in doc:
        for xref in page.get_contents():
            try:
                doc.xref_stream_raw(xref)
            except (ValueError, RuntimeError, pymupdf.mupdf.FzErrorBase):
                missing += 1
    if missing:
        raise errors.DocumentRejected(errors.CORRUPT, "the PDF is truncated or damaged: objects it refers to are "
                                      "missing, so pages would lose their content", repaired=True)


def _declares_no_pages(doc: pymupdf.Document) -> bool:
    """True when the page tree is intact and says Count 0 (an empty PDF, not a broken one)."""
    try:
        kind, value = doc.xref_get_key(doc.pdf_catalog(), "Pages")
        if kind != "xref":
            return False
        return doc.xref_get_key(int(value.split()[0]), "Count") == ("int", "0")
    except (ValueError, RuntimeError, pymupdf.mupdf.FzErrorBase):
        return False


def flatten_layers(doc: pymupdf.Document) -> int:
    """Makes every optional-content layer visible (the catalog's /OCProperties goes); returns how many were hidden.

    MuPDF's text extraction skips content in a hidden layer, so its text could neither be found
    nor removed, while it stays in the content stream. With the layer definitions gone, every
    layer is shown: hidden text is extracted, detected and redacted like the rest, and the
    output has no layer that a viewer could switch back on to show something else.
    """
    catalog = doc.pdf_catalog()
    if doc.xref_get_key(catalog, "OCProperties")[0] == "null":
        return 0
    # Read from the catalog, not with Document.get_ocgs: that loads MuPDF's layer state, which
    # then keeps hiding the layers after their definitions are gone.
    kind, off = doc.xref_get_key(catalog, "OCProperties/D/OFF")
    hidden = len(_REFERENCE.findall(off)) if kind == "array" else 0
    doc.xref_set_key(catalog, "OCProperties", "null")
    return hidden


def textpage(page: pymupdf.Page, flags: int) -> pymupdf.TextPage:
    return page.get_textpage(clip=EVERYWHERE, flags=flags)


def needs_ocr(page: pymupdf.Page, text_chars: int) -> bool:
    """True when the page is an image of text: little or no text, and images cover it."""
    if text_chars >= _OCR_TEXT_CHARS:
        return False
    area = abs(page.rect) or 1.0
    covered = 0.0
    for info in page.get_image_info():
        box = pymupdf.Rect(info["bbox"]) & page.rect
        if not box.is_empty:
            covered += abs(box)
    coverage = min(1.0, covered / area)
    if text_chars == 0:
        return coverage >= _OCR_MIN_IMAGE_COVERAGE
    return coverage >= _OCR_IMAGE_COVERAGE


def refuse_ocr_pages(pages: list[int]) -> None:
    if pages:
        shown = ", ".join(str(p) for p in pages[:20]) + (" ..." if len(pages) > 20 else "")
        raise errors.DocumentRejected(
            errors.NEEDS_OCR,
            f"page(s) {shown} are images of text with no text layer; run OCR first "
            "(text that cannot be extracted cannot be redacted)", pages=pages)
