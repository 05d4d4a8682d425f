"""Looks for gold strings where page redaction does not reach: metadata, XMP, annotations, attachments, outline, forms."""

from __future__ import annotations

import html
import logging
import re
from typing import Iterable, Iterator

import pymupdf

from veil.contracts import fold

_log = logging.getLogger(__name__)

# A gold string this short ("67", "MA") turns up by chance in XMP time stamps and ids.
_MIN_ALNUM = 3


def _embedded_text(doc: pymupdf.Document, name: str) -> str:
    content = doc.embfile_get(name)
    if content[:5] == b"%PDF-":
        try:
            with pymupdf.open("pdf", content) as inner:
                return "\n".join(page.get_text() for page in inner)
        except Exception:  # a damaged attachment is still searched as bytes below
            _log.debug("attachment %r is not a readable PDF", name)
    return content.decode("utf-8", errors="ignore")


def places(doc: pymupdf.Document) -> Iterator[tuple[str, str]]:
    """(where, text) for every piece of text a PDF carries outside its page content."""
    for field_name, value in (doc.metadata or {}).items():
        if value:
            yield f"metadata {field_name}", str(value)
    xmp = doc.get_xml_metadata()
    if xmp:
        yield "XMP metadata", html.unescape(xmp)
    for name in doc.embfile_names():
        info = doc.embfile_info(name)
        yield "attachment name", " ".join(str(info.get(k) or "") for k in ("name", "filename", "ufilename", "desc"))
        yield f"attachment {name!r}", _embedded_text(doc, name)
    for _, title, *_ in doc.get_toc(simple=True):
        yield "outline", title
    for page in doc:
        for annot in page.annots() or ():
            info = annot.info
            yield (f"annotation on page {page.number + 1}",
                   " ".join(str(info.get(k) or "") for k in ("content", "title", "subject")))
        for widget in page.widgets() or ():
            yield (f"form field on page {page.number + 1}",
                   " ".join(str(v) for v in (widget.field_name, widget.field_label, widget.field_value) if v))


def find_leaks(doc: pymupdf.Document, strings: Iterable[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(text, type, where) for each gold (text, type) found outside the page content."""
    texts = [(where, fold(text)) for where, text in places(doc) if text and text.strip()]
    leaks: list[tuple[str, str, str]] = []
    for text, type_ in dict.fromkeys(strings):
        folded = fold(text)
        if sum(ch.isalnum() for ch in folded) < _MIN_ALNUM:
            continue
        pattern = re.compile(r"(?<!\w)" + re.escape(folded) + r"(?!\w)")
        for where, haystack in texts:
            if pattern.search(haystack):
                leaks.append((text, type_, where))
    return leaks
