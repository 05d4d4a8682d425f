"""Text in the font kinds other producers write: TJ-kerned strings, Type3 fonts, Type0 CID fonts (Identity-H).

In each, a name is never one plain string of the content stream, so finding it, removing it and
verifying that it is gone all go through the font's own mapping from codes to letters.
"""

from __future__ import annotations

import glob
import re

import pymupdf
import pytest

from services.redactor import ocr
from services.redactor.redact import redact
from services.redactor.tests import pdfs

LINES = ["Patient: Maria Gonzalez, MRN 4410223", "Seen in clinic for a persistent cough.",
         "Daughter: Elena Gonzalez"]
SPANS = [{"text": "Maria Gonzalez", "type": "PERSON"}, {"text": "4410223", "type": "ID"},
         {"text": "Elena Gonzalez", "type": "PERSON"}]


def _truetype() -> str | None:
    found = sorted(glob.glob("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
                   + glob.glob("/usr/share/fonts/truetype/*/*.ttf"))
    return found[0] if found else None


def _document(kind: str) -> bytes:
    if kind == "tj-kerned":
        return pdfs.tj_kerned_pdf(LINES)
    if kind == "type3":
        return pdfs.type3_pdf(LINES)
    font = _truetype()
    if font is None:
        pytest.skip("no TrueType font installed to embed")
    return pdfs.cid_font_pdf(LINES, font)


@pytest.mark.parametrize("kind", ["tj-kerned", "type3", "cid"])
def test_text_of_every_font_kind_is_found_removed_and_verified(kind):
    data = _document(kind)
    text = " ".join(pymupdf.open("pdf", data)[0].get_text().split())
    assert "Maria Gonzalez" in text and "4410223" in text   # the fixture is what it claims to be
    out, report = redact(data, SPANS)
    assert report["verified"], report["unverified_reason"]
    assert report["spans_not_found"] == 0
    left = " ".join(pdfs.everything_readable(out).split())
    for span in SPANS:
        assert not re.search(r"(?<!\w)" + re.escape(span["text"]) + r"(?!\w)", left), (kind, span["text"])
    assert "persistent cough" in " ".join(pymupdf.open("pdf", out)[0].get_text().split())   # the rest is kept
    if kind != "type3" and ocr.available():  # Type3 glyphs here are boxes: no OCR reads them anyway
        pixels = " ".join(pdfs.ocr_text(out).split())
        assert "Gonzalez" not in pixels and "4410223" not in pixels
