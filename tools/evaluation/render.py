"""Turns a gold text note into the PDF a records system would print, so a PDF de-identifier can be scored on it.

Letter pages, 72 pt side margins, Helvetica 10.5 pt on 13.5 pt lines, words wrapped at the
margin (a word wider than a line is cut), a page break when the page is full, and a header
line with the title and "Page n of N" above a rule. The font is MuPDF's Nimbus Sans, which
covers Latin with its diacritics, Greek and Cyrillic; characters it lacks (Chinese, Japanese,
Korean) are drawn with Droid Sans Fallback, so every word extracts back as the text written.
Right-to-left scripts (Hebrew, Arabic) are drawn but not shaped or reordered.
"""

from __future__ import annotations

import functools
import logging
import math
import re

import pymupdf

_log = logging.getLogger(__name__)

PAGE_WIDTH, PAGE_HEIGHT = 612.0, 792.0
MARGIN_X = 72.0
FONT_SIZE = 10.5
LEADING = 13.5
HEADER_SIZE = 8.5
_HEADER_BASELINE = 44.0
_RULE_Y = 50.0
_BODY_TOP = 72.0        # top of the first body line's glyphs
_BODY_BOTTOM = PAGE_HEIGHT - 60.0
# Where the note's own text is: everything below the header rule. The scorer reads only this
# area of a rendered note, since the header is the renderer's, not the note's.
BODY_AREA: tuple[float, float, float, float] = (0.0, _RULE_Y, PAGE_WIDTH, PAGE_HEIGHT)

_TAB = " " * 4
_PIECES = re.compile(r"\s+|\S+")


@functools.cache
def _fonts() -> tuple[pymupdf.Font, pymupdf.Font]:
    return pymupdf.Font("helv"), pymupdf.Font("cjk")


@functools.cache
def _font_for(ch: str) -> int:
    """0 for the body font, 1 for the fallback; the body font when neither has the glyph."""
    body, fallback = _fonts()
    if ch.isspace() or body.has_glyph(ord(ch)) or not fallback.has_glyph(ord(ch)):
        return 0
    return 1


def _runs(text: str) -> list[tuple[int, str]]:
    """`text` cut where the font changes."""
    runs: list[tuple[int, str]] = []
    for ch in text:
        which = _font_for(ch)
        if runs and runs[-1][0] == which:
            runs[-1] = (which, runs[-1][1] + ch)
        else:
            runs.append((which, ch))
    return runs


def _width(text: str, size: float = FONT_SIZE) -> float:
    fonts = _fonts()
    return sum(fonts[which].text_length(run, fontsize=size) for which, run in _runs(text))


def _cut(word: str, room: float) -> tuple[str, str]:
    """The longest head of `word` that fits `room` (at least one character) and the rest."""
    used = 0.0
    for end, ch in enumerate(word):
        used += _width(ch)
        if used > room:
            end = max(end, 1)
            return word[:end], word[end:]
    return word, ""


def wrap(text: str, width: float = PAGE_WIDTH - 2 * MARGIN_X) -> list[str]:
    """The note as printed lines: its own line breaks kept, long lines broken between words."""
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", _TAB).split("\n"):
        line, used = "", 0.0      # advances add up, so a line's width is the sum of its pieces'
        for piece in _PIECES.findall(paragraph):
            piece_width = _width(piece)
            if used + piece_width <= width:
                line, used = line + piece, used + piece_width
                continue
            if piece.isspace():     # the space a line breaks at is not printed
                lines.append(line)
                line, used = "", 0.0
                continue
            if line.strip():
                lines.append(line.rstrip())
            line = piece
            while _width(line) > width:
                head, line = _cut(line, width)
                lines.append(head)
            used = _width(line)
        lines.append(line.rstrip())
    return lines


def _write(writer: pymupdf.TextWriter, x: float, y: float, text: str, size: float) -> float:
    fonts = _fonts()
    for which, run in _runs(text):
        _, end = writer.append((x, y), run, font=fonts[which], fontsize=size)
        x = end.x
    return x


def render_text_pdf(text: str, title: str | None = None) -> bytes:
    """The note as a PDF of Letter pages; `title` heads every page (it is not put in the metadata,
    where the evaluation looks for leaked identifiers)."""
    lines = wrap(text)
    per_page = max(1, math.floor((_BODY_BOTTOM - _BODY_TOP) / LEADING) + 1)
    pages = [lines[i:i + per_page] for i in range(0, len(lines), per_page)] or [[]]
    doc = pymupdf.open()
    try:
        for number, page_lines in enumerate(pages, start=1):
            page = doc.new_page(width=PAGE_WIDTH, height=PAGE_HEIGHT)
            writer = pymupdf.TextWriter(page.rect)
            if title:
                _write(writer, MARGIN_X, _HEADER_BASELINE, title, HEADER_SIZE)
            folio = f"Page {number} of {len(pages)}"
            _write(writer, PAGE_WIDTH - MARGIN_X - _width(folio, HEADER_SIZE), _HEADER_BASELINE, folio, HEADER_SIZE)
            baseline = _BODY_TOP + FONT_SIZE * 0.8
            for line in page_lines:
                if line.strip():
                    _write(writer, MARGIN_X, baseline, line, FONT_SIZE)
                baseline += LEADING
            writer.write_text(page)
            page.draw_line((MARGIN_X, _RULE_Y), (PAGE_WIDTH - MARGIN_X, _RULE_Y), width=0.5)
        doc.set_metadata({"producer": "Veil evaluation renderer", "creator": "Veil evaluation renderer"})
        doc.subset_fonts()
        return doc.tobytes(garbage=3, deflate=True)
    finally:
        doc.close()
