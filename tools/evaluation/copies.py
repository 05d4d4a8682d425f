"""The same document as a hospital may hold it: born-digital, scanned (pixels only) or scanned and OCR'd.

A scanned copy is every page rendered to a grey image at `DPI` and placed on a page of the same
size, with no text layer: a fax or a scan to PDF. An OCR'd copy is the scanned copy with the
invisible text layer Tesseract writes for it (its text-only PDF laid over the image), as records
departments keep their scans. Geometry is kept: a word is at the same place in every copy, so
the born-digital copy's words and gold locate the words of the others.

MuPDF's own OCR (`Pixmap.pdfocr_tobytes`) is not used: the installed MuPDF is built without
Tesseract and returns pages with no text, silently.
"""

from __future__ import annotations

import logging

import pymupdf

_log = logging.getLogger(__name__)

BORN_DIGITAL, SCANNED, OCR = "born-digital", "scanned", "ocr"
COPIES = (BORN_DIGITAL, SCANNED, OCR)
IMAGE_COPIES = (SCANNED, OCR)

# A scan at 200 dpi is what most records departments keep; fax "fine" mode is 200 x 196.
DPI = 200
# Tesseract's text-only PDF: the text layer without the image, to lay over the image we keep.
_TEXT_ONLY = f"--dpi {DPI} -c textonly_pdf=1"


def _page_image(page: pymupdf.Page) -> pymupdf.Pixmap:
    return page.get_pixmap(dpi=DPI, colorspace=pymupdf.csGRAY, alpha=False)


def _text_layer(pix: pymupdf.Pixmap) -> pymupdf.Document:
    import pytesseract
    from PIL import Image

    image = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    return pymupdf.open("pdf", pytesseract.image_to_pdf_or_hocr(image, extension="pdf", config=_TEXT_ONLY))


def _copy(pdf: bytes, with_text: bool) -> bytes:
    with pymupdf.open("pdf", pdf) as source, pymupdf.open() as out:
        for page in source:
            pix = _page_image(page)
            target = out.new_page(width=page.rect.width, height=page.rect.height)
            target.insert_image(target.rect, pixmap=pix)
            if with_text:
                with _text_layer(pix) as layer:
                    target.show_pdf_page(target.rect, layer, 0)
        out.set_metadata({"producer": "Veil evaluation scanner", "creator": "Veil evaluation scanner"})
        return out.tobytes(garbage=3, deflate=True)


def scanned_copy(pdf: bytes) -> bytes:
    """`pdf` as image-only pages (grey, `DPI`), the same size as its pages, with no text layer."""
    return _copy(pdf, with_text=False)


def ocr_copy(pdf: bytes) -> bytes:
    """The scanned copy of `pdf` with Tesseract's invisible text layer over each page's image."""
    return _copy(pdf, with_text=True)


def make_copy(kind: str, pdf: bytes) -> bytes:
    """`pdf` as the copy `kind` (one of COPIES); the born-digital copy is `pdf` itself."""
    if kind == BORN_DIGITAL:
        return pdf
    if kind == SCANNED:
        return scanned_copy(pdf)
    if kind == OCR:
        return ocr_copy(pdf)
    raise ValueError(f"unknown copy {kind!r}; choose from {', '.join(COPIES)}")
