"""Text only in pixels (scans, OCR'd scans, pictures on a page, outlines): found, redacted in the image data, verified.

Every check of the output here is the test's own: the output rendered and read by
Tesseract, independently of the redactor's verification, plus its text and objects.
"""

from __future__ import annotations

import shutil

import pymupdf
import pytest

from services.redactor import ocr
from services.redactor.extract import extract
from services.redactor.redact import redact
from services.redactor.tests import pdfs

pytestmark = pytest.mark.skipif(not ocr.available(), reason="Tesseract is not installed (tesseract-ocr)")

LINES = ["Patient: Maria Gonzalez", "Phone: 555-867-5309", "SSN: 123-45-6789", "Seen for a routine follow-up."]
PHI = ["Maria Gonzalez", "555-867-5309", "123-45-6789"]
SPANS = [{"page": 1, "text": t, "type": k} for t, k in zip(PHI, ("PERSON", "PHONE", "ID"))]


def _readable(data: bytes) -> str:
    return " ".join([pdfs.ocr_text(data), pdfs.everything_readable(data)])


def _assert_redacted(out: bytes, report: dict) -> None:
    assert report["verified"], report["unverified_reason"]
    assert "pixels" in report["checks"]
    pixels = pdfs.ocr_text(out)
    seen = _readable(out)
    for text in PHI + ["Gonzalez"]:
        assert text not in seen
    assert "5309" not in pixels and "6789" not in pixels
    assert "routine" in pixels      # the rest of the page is still readable


def test_a_scan_without_text_is_ocrd_extracted_and_redacted_in_its_pixels():
    scan = pdfs.scan_pdf(LINES)
    document = extract(scan)
    assert document["pages"][0]["ocr"] == ocr.SCAN
    text = " ".join(p["text"] for p in document["paragraphs"])
    assert all(t in text for t in PHI) and all(p["ocr"] for p in document["paragraphs"])
    out, report = redact(scan, SPANS)
    _assert_redacted(out, report)
    assert report["ocr"][0]["kind"] == ocr.SCAN and report["spans_not_found"] == 0


def test_the_image_data_itself_is_rewritten_not_covered_by_a_box():
    out, report = redact(pdfs.scan_pdf(LINES), SPANS)
    doc = pymupdf.open("pdf", out)
    page = doc[0]
    box = pymupdf.Rect(report["span_results"][0]["boxes"][0])
    (xref, *_), = page.get_images()
    image = pymupdf.Pixmap(doc, xref)
    sx, sy = image.width / page.rect.width, image.height / page.rect.height
    # Inside the name's box the image has no dark letter strokes left: one flat colour.
    inside = {image.pixel(int(x * sx), int(y * sy))
              for x in range(int(box.x0) + 2, int(box.x1) - 2) for y in range(int(box.y0) + 2, int(box.y1) - 2)}
    assert len(inside) == 1
    # Elsewhere the picture is intact: the unredacted line still has dark and light pixels.
    line = {image.pixel(int(x * sx), int(y * sy)) for x in range(30, 150) for y in range(int(40 + 3 * 17.6) - 8,
                                                                                         int(40 + 3 * 17.6))}
    assert len(line) > 2


def test_an_ocrd_scan_is_redacted_where_the_image_shows_the_words_not_where_its_text_layer_says():
    scan = pdfs.ocr_layer_scan_pdf(LINES)
    out, report = redact(scan, SPANS)
    _assert_redacted(out, report)
    # The old layer was replaced by the OCR of the image, not kept beside it.
    assert pymupdf.open("pdf", out)[0].get_text().count("routine") == 1


def test_text_in_a_picture_on_an_ordinary_page_is_found_and_redacted():
    data = pdfs.image_on_page_pdf(["Referral letter, page one.", "Typed text about the visit."], LINES)
    document = extract(data)
    from_pixels = [p for p in document["paragraphs"] if p["ocr"]]
    assert any("Gonzalez" in p["text"] for p in from_pixels)
    assert not any("Referral" in p["text"] for p in from_pixels)     # the typed text is not read twice
    out, report = redact(data, SPANS)
    _assert_redacted(out, report)
    assert "Referral letter" in pymupdf.open("pdf", out)[0].get_text()


@pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript is not installed")
def test_text_drawn_as_vector_outlines_is_found_and_removed():
    data = pdfs.outlines_pdf(LINES, shutil.which("gs"))
    assert "Gonzalez" not in pymupdf.open("pdf", data)[0].get_text()
    document = extract(data)
    assert "Gonzalez" in " ".join(p["text"] for p in document["paragraphs"] if p["ocr"])
    out, report = redact(data, SPANS)
    _assert_redacted(out, report)
    # The letters' paths under the boxes are gone from the file, not only painted over.
    page = pymupdf.open("pdf", out)[0]
    boxes = [pymupdf.Rect(b) for r in report["span_results"] for b in r["boxes"]]
    assert boxes and not [p for p in page.get_cdrawings() if any(i[0] == "c" for i in p["items"])
                          and any(pymupdf.Rect(p["rect"]).intersects(b) for b in boxes)]


def test_glyphs_mupdf_cannot_find_make_the_page_fall_back_to_pixel_redaction_not_a_refusal():
    # The glyphs show the name, the text layer says X's: nothing to find in the text.
    data = pdfs.lying_text_layer_pdf("Patient Maria Gonzalez seen today")
    out, report = redact(data, [SPANS[0]])
    assert report["verified"] and report["pixel_fallback_pages"] == [1]
    seen = _readable(out)
    assert "Gonzalez" not in seen and "Patient" in pdfs.ocr_text(out)


def test_born_digital_pages_are_not_ocrd():
    out, report = redact(pdfs.pages_pdf([["Patient Maria Gonzalez was seen today."]]), [SPANS[0]])
    assert report["verified"] and report["ocr"] == [] and "pixels" not in report["checks"]


def test_redacting_a_scan_just_extracted_reads_its_unchanged_pixels_from_the_cache():
    scan = pdfs.scan_pdf(LINES + ["Cache check."])
    extract(scan)
    hits, misses = ocr.CACHE.hits, ocr.CACHE.misses
    out, report = redact(scan, SPANS)
    # The input page is the same pixels (a hit); the output page was redacted (a miss: read anew).
    assert (ocr.CACHE.hits - hits, ocr.CACHE.misses - misses) == (1, 1)
    assert report["verified"] and report["spans_not_found"] == 0
