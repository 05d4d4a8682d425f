"""What only the pixels say, written into the page as invisible text at the places the OCR saw it.

Every later stage reads it like born-digital text: extraction and detection get its
paragraphs, location finds spans in it (and so gets the boxes of the words in the image
itself), redaction removes it and blanks the image data under those boxes, verification
reads it back. Words are set one line at a time on the line's baseline, each stretched
(Tz) to the width of its box in the image, in Helvetica with text render mode 3 (invisible),
as OCR programs write their layers.

On a scan, an existing text layer that is all invisible (an earlier OCR) is replaced: its
glyph widths come from a font, not from the image, so boxes from it miss parts of the
words in the pixels. Elsewhere an OCR word is added only where the page has no text yet
(an image of text on an ordinary page, a line drawn as outlines).
"""

from __future__ import annotations

import pymupdf

from services.redactor import ocr

_FONT = "helv"
# Baseline above the bottom of the line's box, as a fraction of its height (room for descenders).
_DESCENT = 0.2
_MIN_OVERLAP = 0.3


def apply(page: pymupdf.Page, plan: ocr.Plan) -> list[pymupdf.Rect]:
    """Writes the plan's words that the page does not already have; returns their boxes."""
    if plan.kind == ocr.SCAN and _only_invisible_text(page):
        _remove_text(page)
    existing = [pymupdf.Rect(w[:4]) for w in page.get_text("words", clip=pymupdf.Rect(-1e7, -1e7, 1e7, 1e7))]
    words = [w for w in plan.words if not _covered(w.rect, existing)]
    if not words:
        return []
    _write(page, words)
    return [w.rect for w in words]


def _only_invisible_text(page: pymupdf.Page) -> bool:
    spans = page.get_texttrace()
    return bool(spans) and all(s["type"] == 3 or s["opacity"] == 0 for s in spans)


def _remove_text(page: pymupdf.Page) -> None:
    page.add_redact_annot(page.rect * page.derotation_matrix)
    page.apply_redactions(images=pymupdf.PDF_REDACT_IMAGE_NONE, graphics=pymupdf.PDF_REDACT_LINE_ART_NONE,
                          text=pymupdf.PDF_REDACT_TEXT_REMOVE)


def _covered(rect: pymupdf.Rect, existing: list[pymupdf.Rect]) -> bool:
    area = abs(rect) or 1.0
    return any(abs(rect & e) >= _MIN_OVERLAP * area for e in existing if rect.intersects(e))


def _write(page: pymupdf.Page, words: list[ocr.Word]) -> None:
    """One content stream: per word BT, font, stretch, position, text, ET; all invisible (3 Tr)."""
    font = pymupdf.Font(_FONT)
    lines: dict[int, list[ocr.Word]] = {}
    for w in words:
        lines.setdefault(w.line, []).append(w)
    name = _font_name(page)
    a, b, c, d, e, f = ~page.transformation_matrix    # unrotated page -> PDF user space
    ops = ["q BT 3 Tr"]
    for line in lines.values():
        bottom = max(w.rect.y1 for w in line)
        height = max(w.rect.height for w in line)
        size = max(1.0, height)
        baseline = bottom - _DESCENT * height
        for w in line:
            text = w.text.encode("cp1252", "replace").decode("cp1252")
            natural = font.text_length(text, size)
            stretch = 100.0 * w.rect.width / natural if natural else 100.0
            x, y = a * w.rect.x0 + c * baseline + e, b * w.rect.x0 + d * baseline + f
            ops.append(f"/{name} {size:.2f} Tf {stretch:.2f} Tz 1 0 0 1 {x:.2f} {y:.2f} Tm {_literal(text)} Tj")
    ops.append("ET Q")
    doc = page.parent
    if not page.is_wrapped:
        page.wrap_contents()     # the page's own content may leave its graphics state changed
    xref = doc.get_new_xref()
    doc.update_object(xref, "<<>>")
    doc.update_stream(xref, "\n".join(ops).encode("cp1252", "replace"))
    kind, value = doc.xref_get_key(page.xref, "Contents")
    if kind == "array":
        doc.xref_set_key(page.xref, "Contents", value[:-1] + f" {xref} 0 R]")
    elif kind == "xref":
        doc.xref_set_key(page.xref, "Contents", f"[{value} {xref} 0 R]")
    else:
        doc.xref_set_key(page.xref, "Contents", f"{xref} 0 R")


def _font_name(page: pymupdf.Page) -> str:
    """The resource name of Helvetica (Latin encoding) on the page; PyMuPDF adds it once per page."""
    page.insert_font(fontname=_FONT, encoding=pymupdf.TEXT_ENCODING_LATIN)
    return _FONT


def _literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"({escaped})"
