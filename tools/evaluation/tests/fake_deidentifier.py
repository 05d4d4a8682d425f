"""A stand-in de-identifier: truly redacts exactly the words it is told to, so the expected scores are known."""

from __future__ import annotations

import logging
from typing import Callable

import pymupdf

from tools.evaluation.run import PYMUPDF_LOCK
from tools.evaluation.words import Box

_log = logging.getLogger(__name__)

_PUNCTUATION = ".,;:()"


def redact_words(pdf: bytes, remove: dict[str, str], *, also: Callable[[pymupdf.Document], None] | None = None
                 ) -> tuple[bytes, dict]:
    """`pdf` with every word whose text (trailing punctuation aside) is a key of `remove` redacted
    by PyMuPDF, and a report naming each as an entity of the type `remove` gives it."""
    with PYMUPDF_LOCK, pymupdf.open("pdf", pdf) as doc:
        entities = []
        for page in doc:
            for x0, y0, x1, y1, text, *_ in page.get_text("words"):
                bare = text.strip(_PUNCTUATION)
                if bare in remove:
                    # Shrunk a little so the neighbours' glyphs are not touched.
                    box = pymupdf.Rect(x0 + 0.5, y0 + 1, x1 - 0.5, y1 - 1)
                    page.add_redact_annot(box)
                    entities.append({"page": page.number + 1, "bbox": list(box), "type": remove[bare],
                                     "score": 1.0, "source": "test"})
            page.apply_redactions()
        if also:
            also(doc)
        return doc.tobytes(), {"entities": entities}


def redacting(remove: dict[str, str], **options) -> Callable[[bytes], tuple[bytes, dict]]:
    return lambda pdf: redact_words(pdf, remove, **options)


def black_out(pdf: bytes, boxes: dict[int, list[Box]], *, text_layer: bool = True) -> tuple[bytes, dict]:
    """`pdf` with the image pixels under each box (per page, from 1) painted black, as a scan's
    redaction does; with `text_layer` False the text under the boxes is left, as a redactor that
    forgets an OCR'd copy's invisible layer would."""
    with PYMUPDF_LOCK, pymupdf.open("pdf", pdf) as doc:
        for number, rects in boxes.items():
            page = doc[number - 1]
            for box in rects:
                page.add_redact_annot(box, fill=(0, 0, 0))
            page.apply_redactions(images=pymupdf.PDF_REDACT_IMAGE_PIXELS,
                                  text=pymupdf.PDF_REDACT_TEXT_REMOVE if text_layer else pymupdf.PDF_REDACT_TEXT_NONE)
        return doc.tobytes(), {}
