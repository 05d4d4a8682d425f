"""The same document as other PDF producers write it: Ghostscript, cairo (poppler), LibreOffice, scans and OCR'd scans.

Each producer is a program the set-up installs (scripts/setup.d/system.sh); a producer whose
program is missing is skipped by the tests that use it, with its name.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable

import pymupdf

_TIMEOUT_S = 180


def _run(argv: list[str], cwd: Path) -> None:
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True, timeout=_TIMEOUT_S)


def ghostscript(data: bytes, tmp: Path) -> bytes:
    (tmp / "in.pdf").write_bytes(data)
    _run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite", "-sOutputFile=out.pdf", "in.pdf"], tmp)
    return (tmp / "out.pdf").read_bytes()


def cairo(data: bytes, tmp: Path) -> bytes:
    (tmp / "in.pdf").write_bytes(data)
    _run(["pdftocairo", "-pdf", "in.pdf", "out.pdf"], tmp)
    return (tmp / "out.pdf").read_bytes()


def libreoffice(data: bytes, tmp: Path) -> bytes:
    """The document's text typeset anew by LibreOffice Writer (from HTML): other fonts, other line breaks."""
    doc = pymupdf.open("pdf", data)
    paragraphs = [b[4] for page in doc for b in page.get_text("blocks") if b[4].strip()]
    body = "\n".join(f"<p>{html.escape(' '.join(p.split()))}</p>" for p in paragraphs)
    (tmp / "note.html").write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    _run(["soffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to",
          "pdf:writer_pdf_Export", "note.html"], tmp)
    return (tmp / "note.pdf").read_bytes()


def scan(data: bytes, tmp: Path, dpi: int = 150) -> bytes:
    """Every page as a grey image only, as a scanner or a fax delivers it."""
    out = pymupdf.open()
    for page in pymupdf.open("pdf", data):
        target = out.new_page(width=page.rect.width, height=page.rect.height)
        target.insert_image(target.rect, pixmap=page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY))
    return out.tobytes(deflate=True)


def ocrd_scan(data: bytes, tmp: Path, dpi: int = 150) -> bytes:
    """The scan run through Tesseract's own PDF output: the image plus Tesseract's invisible text layer."""
    out = pymupdf.open()
    for n, page in enumerate(pymupdf.open("pdf", data)):
        page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY).save(tmp / f"p{n}.png")
        _run(["tesseract", f"p{n}.png", f"p{n}", "-l", "eng", "--dpi", str(dpi), "pdf"], tmp)
        out.insert_pdf(pymupdf.open(tmp / f"p{n}.pdf"))
    return out.tobytes(deflate=True)


# name -> (program it needs, conversion, whether pages keep their text where it was)
PRODUCERS: dict[str, tuple[str | None, Callable[[bytes, Path], bytes], bool]] = {
    "mupdf": (None, lambda data, tmp: data, True),
    "ghostscript": ("gs", ghostscript, True),
    "cairo": ("pdftocairo", cairo, True),
    "libreoffice": ("soffice", libreoffice, False),
    "scan": (None, scan, True),
    "ocrd-scan": ("tesseract", ocrd_scan, True),
}


def missing(name: str) -> str | None:
    program = PRODUCERS[name][0]
    return program if program and shutil.which(program) is None else None


def produce(name: str, data: bytes) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return PRODUCERS[name][1](data, Path(tmp))
