"""Extraction: a PDF's paragraphs with page, box, font size and weight, headings, running headers/footers and blobs.

`extract(pdf_bytes)` is what POST /v1/extract answers and what the batch path calls in
process. Pages are numbered from 1; boxes are [x0, y0, x1, y1] in PyMuPDF page coordinates
of the unrotated page (points, origin top left), the coordinates /v1/redact accepts.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from typing import Any

import pymupdf

from services.redactor import layout, ocr, pdf, scanned
from services.redactor.limits import Deadline, Limits

_log = logging.getLogger(__name__)

_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_AXES = ((1, 0), (0, -1), (-1, 0), (0, 1))


def _axis(direction: tuple[float, float]) -> tuple[int, int] | None:
    """The axis a line runs along, or None for text set at an angle."""
    c, s = direction
    for axis in _AXES:
        if abs(c - axis[0]) < 0.02 and abs(s - axis[1]) < 0.02:
            return axis
    return None


def _is_bold(span: dict) -> bool:
    return bool(span["flags"] & pymupdf.TEXT_FONT_BOLD) or bool(_BOLD_NAME.search(span["font"]))


def page_frame(number: int, page: pymupdf.Page, data: dict) -> layout.PageFrame:
    """The page's lines, each with its box in the page's reading frame (see layout)."""
    raw: list[tuple[int, dict, str, tuple[int, int] | None]] = []
    directions: Counter[tuple[int, int] | None] = Counter()
    for b, block in enumerate(data["blocks"]):
        if block.get("type") != 0:
            continue
        for line in block["lines"]:
            text = "".join(span["text"] for span in line["spans"])
            if not text.strip():
                continue
            axis = _axis(line["dir"])
            raw.append((b, line, text, axis))
            directions[axis] += len(text)
    dominant = next((d for d, _ in directions.most_common() if d is not None), (1, 0))
    c, s = dominant
    turn = pymupdf.Matrix(c, -s, s, c, 0, 0)     # maps the dominant direction onto (1, 0)
    unrotated = (page.rect * page.derotation_matrix).normalize()
    frame_rect = (unrotated * turn).normalize()
    dx, dy = frame_rect.x0, frame_rect.y0
    frame = layout.PageFrame(number, frame_rect.width, frame_rect.height)
    for b, line, text, axis in raw:
        spans = [sp for sp in line["spans"] if sp["text"].strip()]
        main = max(spans, key=lambda sp: len(sp["text"].strip()))
        box = (pymupdf.Rect(line["bbox"]) * turn).normalize()
        frame.lines.append(layout.Line(
            page=number, block=b, bbox=tuple(line["bbox"]),
            box=(box.x0 - dx, box.y0 - dy, box.x1 - dx, box.y1 - dy),
            text=text, size=float(main["size"]), bold=all(_is_bold(sp) for sp in spans),
            font=main["font"], upright=axis == dominant))
    return frame


def extract(pdf_bytes: bytes, *, limits: Limits | None = None, deadline: Deadline | None = None,
            ocr_options: ocr.OcrOptions | None = None) -> dict[str, Any]:
    """The document as paragraphs and blobs; raises DocumentRejected for input it will not process."""
    limits = limits or Limits()
    with pdf.LOCK:
        return _extract(pdf_bytes, limits, deadline or limits.deadline(), ocr_options or ocr.OcrOptions())


def _extract(pdf_bytes: bytes, limits: Limits, deadline: Deadline, ocr_options: ocr.OcrOptions) -> dict[str, Any]:
    start = time.perf_counter()
    doc = pdf.open_pdf(pdf_bytes, limits)
    deadline.allow_pages(doc.page_count)
    try:
        # Text that is only in pixels (scans, images, outlines) becomes an invisible text layer first.
        pixel_pages = scanned.prepare(doc, ocr_options, deadline)
        frames: list[layout.PageFrame] = []
        pages: list[dict[str, Any]] = []
        for index in range(doc.page_count):
            number = index + 1
            deadline.check(f"extraction of page {number}")
            with pdf.mupdf_errors(f"extraction of page {number}"):
                page = doc[index]
                data = pdf.textpage(page, pdf.EXTRACT_FLAGS).extractDICT()
                frame = page_frame(number, page, data)
                chars = sum(line.chars for line in frame.lines)
            frames.append(frame)
            pixels = pixel_pages.get(number)
            pages.append({"page": number, "width": round(page.rect.width, 2), "height": round(page.rect.height, 2),
                          "rotation": page.rotation, "chars": chars, "ocr": pixels.kind if pixels else None})
        deadline.check("layout analysis")
        paragraphs = layout.analyse(frames)
    finally:
        doc.close()
    body = layout.body_style(paragraphs)
    result = {
        "page_count": len(pages),
        "pages": pages,
        "body_font_size": body.size,
        "paragraphs": [_paragraph(i, p, pixel_pages.get(p.page)) for i, p in enumerate(paragraphs)],
        "blobs": _blobs(paragraphs),
        "seconds": round(time.perf_counter() - start, 4),
    }
    _log.info("extracted %d paragraphs from %d pages in %.3fs", len(paragraphs), len(pages), result["seconds"])
    return result


def _from_pixels(p: layout.TextBlock, pixels: scanned.PixelPage | None) -> bool:
    """True when the paragraph's text came from OCR (it lies on words the OCR added to the page)."""
    if pixels is None or not pixels.added:
        return False
    box = pymupdf.Rect(p.bbox)
    return any(box.intersects(r) for r in pixels.added)


def _paragraph(index: int, p: layout.TextBlock, pixels: scanned.PixelPage | None = None) -> dict[str, Any]:
    return {
        "index": index,
        "page": p.page,
        "bbox": [round(v, 2) for v in p.bbox],
        "text": p.text,
        "font_size": p.size,
        "font_weight": "bold" if p.bold else "normal",
        "font": p.font,
        "lines": len(p.lines),
        "column": p.column if p.role == layout.BODY else None,
        "role": "heading" if p.heading else p.role,
        "heading": p.heading,
        "heading_level": p.heading_level,
        "header_footer": p.role != layout.BODY,
        "blob_id": p.blob_id,
        "dep_flag": p.dep_flag,
        "ocr": _from_pixels(p, pixels),
    }


def _blobs(paragraphs: list[layout.TextBlock]) -> list[dict[str, Any]]:
    blobs: dict[int, dict[str, Any]] = {}
    for i, p in enumerate(paragraphs):
        blob = blobs.setdefault(p.blob_id, {"blob_id": p.blob_id, "heading": None, "kind": p.role,
                                            "paragraphs": []})
        if p.heading and blob["heading"] is None:
            blob["heading"] = i
        blob["paragraphs"].append(i)
    return [blobs[k] for k in sorted(blobs)]
