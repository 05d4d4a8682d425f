"""One clinical note as written by several PDF producers: every copy delivered, no redacted string readable anywhere.

Checked by the test itself on the output: every text extraction, every object and stream
(`pdfs.everything_readable`) and Tesseract's reading of the rendered pages.
"""

from __future__ import annotations

import re

import pytest

from services.redactor import ocr
from services.redactor.redact import redact
from services.redactor.tests import pdfs, producers
from tools.synthetic import samples


@pytest.fixture(scope="module")
def note():
    return samples.generate(5, pages=1, paragraphs=1)


def _spans(note, keep_pages: bool) -> list[dict]:
    spans = note.span_dicts()
    # A value that a page end broke (a bare "2025") is no name to look for in a re-typeset copy.
    spans = [s for s in spans if not s["text"].isdigit()]
    return spans if keep_pages else [{k: v for k, v in s.items() if k != "page"} for s in spans]


def _words(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.mark.parametrize("producer", list(producers.PRODUCERS))
def test_every_producers_copy_is_delivered_with_nothing_redacted_readable(note, producer):
    if producers.missing(producer):
        pytest.skip(f"{producers.missing(producer)} is not installed")
    if producer != "mupdf" and not ocr.available():
        pytest.skip("Tesseract is not installed")
    data = producers.produce(producer, note.pdf)
    spans = _spans(note, keep_pages=producers.PRODUCERS[producer][2])
    out, report = redact(data, spans)
    assert report["verified"], report["unverified_reason"]
    assert report["spans_not_found"] == 0
    text, pixels = _words(pdfs.everything_readable(out)), _words(pdfs.ocr_text(out))
    for span in spans:
        needle = re.compile(r"(?<!\w)" + re.escape(_words(span["text"])) + r"(?!\w)")
        # Objects and streams are full of numbers: strings without a letter are checked in the text reading only.
        if any(c.isalpha() for c in span["text"]):
            assert not needle.search(text), (producer, span["type"])
        assert not needle.search(pixels), (producer, span["type"])
