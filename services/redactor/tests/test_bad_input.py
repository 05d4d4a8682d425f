"""Input the redactor refuses: each gets its own error code and status, never an unexpected exception or a hang."""

from __future__ import annotations

import random

import pymupdf
import pytest

from services.redactor import errors
from services.redactor.errors import DocumentRejected
from services.redactor.extract import extract
from services.redactor.limits import Deadline, Limits
from services.redactor.ocr import OcrOptions
from services.redactor.redact import redact
from services.redactor.tests import pdfs

SPANS = [{"page": 1, "text": "Maria Gonzalez", "type": "PERSON"}]
OFF = OcrOptions(mode="off")


def both(data: bytes, limits: Limits | None = None):
    """Runs extraction and redaction on `data`; both must refuse it the same way."""
    refusals = []
    for run in (lambda: extract(data, limits=limits), lambda: redact(data, SPANS, limits=limits)):
        with pytest.raises(DocumentRejected) as caught:
            run()
        refusals.append(caught.value)
    assert refusals[0].code == refusals[1].code
    return refusals[0]


@pytest.fixture(scope="module")
def good() -> bytes:
    return pdfs.pages_pdf([["Patient Maria Gonzalez was seen today."], ["Second page."]])


@pytest.mark.parametrize("data", [b"", b"hello, world", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
                                  b"<html><body>not a pdf</body></html>"])
def test_when_the_file_is_not_a_pdf_then_it_is_415_not_a_pdf(data):
    refusal = both(data)
    assert (refusal.code, refusal.status) == (errors.NOT_A_PDF, 415)


def test_when_the_pdf_is_truncated_then_it_is_422_corrupt(good):
    refusal = both(good[: len(good) // 3])
    assert (refusal.code, refusal.status) == (errors.CORRUPT, 422)


@pytest.mark.parametrize("kept", [0.3, 0.6, 0.9, 0.95])
def test_when_a_real_document_is_cut_short_then_it_is_corrupt_not_a_500_nor_empty_pages(clinical, kept):
    # MuPDF repairs a cut file and opens what is left: pages whose content is lost would read
    # as empty and pass as clean, and scrubbing them failed with ValueError("bad xref").
    refusal = both(clinical.pdf[: int(len(clinical.pdf) * kept)])
    assert (refusal.code, refusal.status) == (errors.CORRUPT, 422)
    assert "truncated" in refusal.message


def test_when_the_header_is_followed_by_garbage_then_it_is_corrupt():
    rng = random.Random(1)
    refusal = both(b"%PDF-1.7\n" + bytes(rng.randrange(256) for _ in range(4000)))
    assert refusal.code == errors.CORRUPT


def test_when_the_page_tree_is_damaged_then_it_is_corrupt_not_empty(good):
    damaged = good.replace(b"/Type/Pages", b"/Type/Broken").replace(b"/Kids", b"/Nope")
    refusal = both(damaged)
    assert refusal.code in (errors.CORRUPT, errors.EMPTY)
    assert refusal.code == errors.CORRUPT or b"/Count 0" in damaged


def test_when_the_pdf_has_no_pages_then_it_is_422_empty():
    refusal = both(pdfs.zero_page_pdf())
    assert (refusal.code, refusal.status) == (errors.EMPTY, 422)


def test_when_the_pdf_is_password_protected_then_it_is_422_encrypted():
    refusal = both(pdfs.encrypted_pdf("secret"))
    assert (refusal.code, refusal.status) == (errors.ENCRYPTED, 422)
    assert "password" in refusal.message


def test_when_the_pdf_is_encrypted_without_a_user_password_then_it_is_refused_too():
    assert both(pdfs.encrypted_pdf("")).code == errors.ENCRYPTED


def test_when_the_pdf_is_over_the_byte_limit_then_it_is_413(good):
    refusal = both(good, Limits(max_bytes=len(good) - 1))
    assert (refusal.code, refusal.status) == (errors.TOO_LARGE, 413)


def test_when_the_pdf_is_over_the_page_limit_then_it_is_413(good):
    refusal = both(good, Limits(max_pages=1))
    assert (refusal.code, refusal.status) == (errors.TOO_MANY_PAGES, 413)
    assert refusal.extra["pages"] == 2


def test_when_ocr_is_off_a_page_that_is_an_image_then_the_document_needs_ocr_and_names_the_page():
    data = pdfs.image_only_pdf(pages=1, with_text_page=True)
    refusals = []
    for run in (lambda: extract(data, ocr_options=OFF), lambda: redact(data, SPANS, ocr_options=OFF)):
        with pytest.raises(DocumentRejected) as caught:
            run()
        refusals.append(caught.value)
    assert [(r.code, r.status, r.extra["pages"]) for r in refusals] == [(errors.NEEDS_OCR, 422, [2])] * 2


def test_when_the_time_limit_passes_mid_document_then_the_work_stops_with_time_limit_exceeded(clinical):
    ticks = iter(range(1000))
    # A clock that advances one second per reading: the deadline passes at the third page.
    clock = lambda: float(next(ticks))  # noqa: E731
    with pytest.raises(DocumentRejected) as caught:
        extract(clinical.pdf, deadline=Deadline(2.5, clock=clock))
    assert (caught.value.code, caught.value.status) == (errors.TIME_LIMIT, 422)
    assert caught.value.extra["stage"] == "extraction of page 3"
    ticks = iter(range(1000))
    with pytest.raises(DocumentRejected) as caught:
        redact(clinical.pdf, clinical.span_dicts(), deadline=Deadline(6.5, clock=clock))
    assert caught.value.code == errors.TIME_LIMIT


def test_the_time_limit_grows_with_the_pages_so_a_long_document_gets_its_share(good):
    # A base limit nothing could meet, and a per-page allowance: the two pages get their time.
    limits = Limits(time_limit_s=1e-9, time_per_page_s=60.0)
    assert extract(good, limits=limits)["page_count"] == 2
    assert redact(good, SPANS, limits=limits)[1]["verified"]
    assert limits.most_seconds() == 1e-9 + 60.0 * limits.max_pages


def test_when_the_configured_time_limit_is_tiny_then_even_a_small_document_is_refused(good):
    assert both(good, Limits(time_limit_s=1e-9, time_per_page_s=0.0)).code == errors.TIME_LIMIT


@pytest.mark.parametrize("seed", range(6))
def test_when_bytes_of_a_real_pdf_are_damaged_then_the_answer_is_a_result_or_a_refusal(clinical, seed):
    rng = random.Random(seed)
    data = bytearray(clinical.pdf)
    for _ in range(30):
        data[rng.randrange(200, len(data))] = rng.randrange(256)
    for run in (lambda: extract(bytes(data)), lambda: redact(bytes(data), clinical.span_dicts()[:20])):
        try:
            run()
        except DocumentRejected:
            pass


def test_when_a_content_stream_is_not_valid_deflate_then_the_answer_is_a_result_or_a_refusal():
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Patient Maria Gonzalez", fontname="helv")
    xref = page.get_contents()[0]
    doc.update_stream(xref, b"x\x9c this is not zlib data at all", compress=False)
    doc.xref_set_key(xref, "Filter", "/FlateDecode")
    data = doc.tobytes()
    for run in (lambda: extract(data), lambda: redact(data, SPANS)):
        try:
            run()
        except DocumentRejected as exc:
            assert exc.status < 500


def test_mupdfs_numbered_errors_passed_on_as_runtime_errors_are_a_corrupt_pdf_and_others_are_not():
    from services.redactor import pdf as pdf_lib

    with pytest.raises(DocumentRejected) as refused:
        with pdf_lib.mupdf_errors("scrubbing"):
            raise RuntimeError("code=8: invalid key in dict")
    assert refused.value.code == errors.CORRUPT and "scrubbing" in str(refused.value)
    with pytest.raises(RuntimeError, match="our own bug"):
        with pdf_lib.mupdf_errors("scrubbing"):
            raise RuntimeError("our own bug")
