"""Where a span is on a page: every whole-word occurrence of its text, as the areas to remove and to paint.

Occurrences are found with PyMuPDF's own search (across line breaks, hyphenation and
ligatures, case-insensitively) and then checked against the characters around them, so
"Ann" does not hit "Annual" and "92" does not hit "1992".

Each occurrence yields one `Area` per line it covers:
- `cut`, the rectangle handed to the redaction annotation, is a thin band through the middle
  of the line's letters. MuPDF removes every glyph whose box touches the annotation, and
  glyph boxes of neighbouring lines overlap when lines are set tight; a band through the
  middle touches every glyph of its own line and none of the lines above and below.
- `paint`, the box drawn afterwards (and applied to images under the text), covers the
  line's letters from descender to ascender.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

import pymupdf

from services.redactor import pdf

# Heights as fractions of the font size, measured from the baseline upwards.
_CUT_BOTTOM, _CUT_TOP = 0.15, 0.45
_PAINT_BOTTOM, _PAINT_TOP = -0.22, 0.85
_CUT_INSET = 0.1
_MAX_HYPHEN_VARIANTS = 4
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Area:
    cut: pymupdf.Rect
    paint: pymupdf.Rect
    rotate: int          # text direction, for a label set along it (0, 90, 180, 270)


@dataclass(frozen=True, slots=True)
class _Char:
    # Plain floats, not pymupdf.Rect/Point: a page has thousands of characters.
    c: str
    x0: float
    y0: float
    x1: float
    y1: float
    ox: float       # origin: the start of the character on its baseline
    oy: float
    size: float
    line: int
    pos: int
    cx: float
    cy: float


_GRID = 4.0  # points per row of the character index


def normalize(text: str) -> str:
    """What search compares: ligatures expanded, whitespace collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def _alnum(text: str) -> int:
    return sum(1 for c in text if c.isalnum())


def _clash(a: str, b: str) -> bool:
    """Two characters that would run into one word: letter-letter or digit-digit."""
    return (a.isalpha() and b.isalpha()) or (a.isdigit() and b.isdigit())


def _variants(needle: str) -> list[str]:
    """The needle, and the needle without each of its hyphens.

    MuPDF joins a word hyphenated at a line end by dropping the hyphen ("Smith-" +
    "Jones" -> "SmithJones"); the extraction keeps it, so a search for "Smith-Jones" must
    also look for the form a line break produced.
    """
    variants = [needle]
    hyphens = [i for i, c in enumerate(needle) if c == "-"]
    if 0 < len(hyphens) <= _MAX_HYPHEN_VARIANTS:
        for i in hyphens:
            variants.append((needle[:i] + needle[i + 1:]).replace("  ", " "))
    return list(dict.fromkeys(v for v in variants if _alnum(v)))


class PageLocator:
    """Finds spans on one page; builds its text page and character index once, on first use."""

    def __init__(self, page: pymupdf.Page):
        self.page = page
        self._textpage: pymupdf.TextPage | None = None
        self._chars: list[list[_Char]] | None = None
        self._grid: dict[int, list[_Char]] = {}
        self._found: dict[str, list[list[Area]]] = {}
        self._plain: str | None = None

    @property
    def textpage(self) -> pymupdf.TextPage:
        if self._textpage is None:
            self._textpage = pdf.textpage(self.page, pdf.SEARCH_FLAGS)
        return self._textpage

    @property
    def chars(self) -> list[list[_Char]]:
        """The page's characters, line by line as MuPDF's search sees them (hyphenated lines joined)."""
        if self._chars is None:
            lines: list[list[_Char]] = []
            for block in self.textpage.extractRAWDICT()["blocks"]:
                for line in block.get("lines", []):
                    row: list[_Char] = []
                    for span in line["spans"]:
                        size = float(span["size"])
                        for ch in span["chars"]:
                            x0, y0, x1, y1 = ch["bbox"]
                            ox, oy = ch["origin"]
                            row.append(_Char(ch["c"], x0, y0, x1, y1, ox, oy, size, len(lines), len(row),
                                             (x0 + x1) / 2, (y0 + y1) / 2))
                    if row:
                        lines.append(row)
            self._chars = lines
            for row in lines:
                for ch in row:
                    if not ch.c.isspace():
                        self._grid.setdefault(int(ch.cy // _GRID), []).append(ch)
        return self._chars

    @property
    def plain(self) -> str:
        """The page's text as the search sees it (hyphenated words joined), for a cheap first test."""
        if self._plain is None:
            self._plain = normalize(self.textpage.extractText()).casefold()
        return self._plain

    # -- text ----------------------------------------------------------------------------------

    def find(self, text: str) -> list[list[Area]]:
        """Every whole-word occurrence of `text` on the page, each as its areas (one per line)."""
        needle = normalize(text)
        if not needle:
            return []
        if needle in self._found:   # callers send one span per occurrence: the same text again and again
            return self._found[needle]
        found: list[list[Area]] = []
        seen: list[pymupdf.Rect] = []
        for variant in _variants(needle):
            if variant.casefold() not in self.plain:
                continue   # a substring test on the page's text spares a search that would find nothing
            quads = self.page.search_for(variant, quads=True, flags=pdf.SEARCH_FLAGS, textpage=self.textpage)
            for hit in self._hits(quads, variant):
                areas = [a for a in (self._area(q, chars) for q, chars in hit) if a is not None]
                # A variant finds the occurrences the original found too; keep each once.
                fresh = [a for a in areas if not any(_same(a.cut, r) for r in seen)]
                if fresh:
                    seen.extend(a.cut for a in fresh)
                    found.append(fresh)
        self._found[needle] = found
        return found

    def _hits(self, quads: list[pymupdf.Quad], needle: str) -> Iterable[list[tuple[pymupdf.Quad, list[_Char]]]]:
        """Groups the search's quads (one per line) into occurrences and keeps whole-word ones."""
        need = _alnum(needle)
        group: list[tuple[pymupdf.Quad, list[_Char]]] = []
        got = 0
        for quad in quads:
            chars = self._chars_in(quad)
            group.append((quad, chars))
            got += sum(1 for ch in chars if ch.c.isalnum())
            if got >= need:
                if self._whole_word(group, needle):
                    yield group
                group, got = [], 0
        if group:
            yield group   # could not be matched to characters: redact it rather than risk a leak

    def _chars_in(self, quad: pymupdf.Quad) -> list[_Char]:
        """The characters whose centre lies in the quad's rectangle, in reading order."""
        x0, y0, x1, y1 = quad.rect + (-0.5, -0.5, 0.5, 0.5)
        self.chars  # noqa: B018 - builds the index
        out = [ch for k in range(int(y0 // _GRID), int(y1 // _GRID) + 1) for ch in self._grid.get(k, ())
               if x0 <= ch.cx <= x1 and y0 <= ch.cy <= y1]
        return sorted(out, key=lambda ch: (ch.line, ch.pos))

    def _whole_word(self, group: list[tuple[pymupdf.Quad, list[_Char]]], needle: str) -> bool:
        first = next((chars[0] for _, chars in group if chars), None)
        last = next((chars[-1] for _, chars in reversed(group) if chars), None)
        if first is None or last is None:
            return True
        row = self.chars[first.line]
        before = row[first.pos - 1].c if first.pos > 0 else " "
        row = self.chars[last.line]
        after = row[last.pos + 1].c if last.pos + 1 < len(row) else " "
        return not _clash(before, needle[0]) and not _clash(after, needle[-1])

    def _area(self, quad: pymupdf.Quad, chars: list[_Char]) -> Area | None:
        size = max((ch.size for ch in chars), default=0.0)
        origin = pymupdf.Point(chars[0].ox, chars[0].oy) if chars else None
        return band_area(quad, size, origin)

    # -- boxes ---------------------------------------------------------------------------------

    def in_box(self, box: pymupdf.Rect) -> list[Area]:
        """The text whose characters have their centre inside `box`, as areas per line run."""
        areas: list[Area] = []
        for row in self.chars:
            run: list[_Char] = []
            for ch in row + [None]:  # type: ignore[list-item]
                inside = (ch is not None and not ch.c.isspace()
                          and box.x0 <= ch.cx <= box.x1 and box.y0 <= ch.cy <= box.y1)
                if inside:
                    run.append(ch)
                    continue
                if run:
                    areas.append(self._run_area(run))
                    run = []
        return areas

    def _run_area(self, run: list[_Char]) -> Area:
        # Characters of one run share a baseline direction; their union is the line's quad.
        rect = pymupdf.Rect(min(ch.x0 for ch in run), min(ch.y0 for ch in run),
                            max(ch.x1 for ch in run), max(ch.y1 for ch in run))
        first, last = pymupdf.Point(run[0].ox, run[0].oy), pymupdf.Point(run[-1].ox, run[-1].oy)
        quad = _oriented_quad(rect, first, last)
        area = band_area(quad, max(ch.size for ch in run), first)
        assert area is not None
        return area


def _same(a: pymupdf.Rect, b: pymupdf.Rect) -> bool:
    inter = a & b
    return not inter.is_empty and abs(inter) >= 0.8 * min(abs(a), abs(b))


def _oriented_quad(rect: pymupdf.Rect, first: pymupdf.Point, last: pymupdf.Point) -> pymupdf.Quad:
    """An axis-aligned rectangle as a quad whose ul->ur edge runs along the text (first -> last char)."""
    dx, dy = last.x - first.x, last.y - first.y
    tl, tr, bl, br = rect.tl, rect.tr, rect.bl, rect.br
    if abs(dy) > abs(dx):   # vertical text
        if dy < 0:          # runs upwards: the glyphs' tops face left
            return pymupdf.Quad(bl, tl, br, tr)
        return pymupdf.Quad(tr, br, tl, bl)
    if dx < 0:
        return pymupdf.Quad(br, bl, tr, tl)
    return pymupdf.Quad(tl, tr, bl, br)


def _rotation(quad: pymupdf.Quad) -> int:
    dx, dy = quad.ur.x - quad.ul.x, quad.ur.y - quad.ul.y
    if abs(dx) >= abs(dy):
        return 0 if dx >= 0 else 180
    return 90 if dy < 0 else 270


def band_area(quad: pymupdf.Quad, size: float, origin: pymupdf.Point | None) -> Area | None:
    """The cut band and the paint box of one line's quad, from its baseline and font size."""
    up = quad.ul - quad.ll                       # from the bottom edge to the top edge
    height = (up.x ** 2 + up.y ** 2) ** 0.5
    if height <= 0:
        return None
    if size <= 0 or origin is None:
        base, unit = 0.22, 1.0 / 1.37            # no character matched: typical font metrics
    else:
        rel = origin - quad.ll
        base = (rel.x * up.x + rel.y * up.y) / (height * height)
        unit = size / height

    along = quad.lr - quad.ll
    length = (along.x ** 2 + along.y ** 2) ** 0.5

    def at(t0: float, t1: float, inset: float = 0.0) -> pymupdf.Rect:
        t0, t1 = max(0.0, min(1.0, t0)), max(0.0, min(1.0, t1))
        step = along * (inset / length) if length > 0 else pymupdf.Point(0, 0)
        left, right = quad.ll + step, quad.lr - step
        pts = [left + up * t0, right + up * t0, left + up * t1, right + up * t1]
        return pymupdf.Rect(min(p.x for p in pts), min(p.y for p in pts), max(p.x for p in pts),
                            max(p.y for p in pts))

    # The cut also stays a little inside the first and last letter, so kerned neighbours
    # whose boxes reach into the match are not touched.
    inset = min(_CUT_INSET * size, 0.25 * length) if size > 0 else 0.0
    cut = at(base + _CUT_BOTTOM * unit, base + _CUT_TOP * unit, inset)
    paint = at(base + _PAINT_BOTTOM * unit, base + _PAINT_TOP * unit)
    if cut.is_empty:   # degenerate quad (zero width): fall back to the middle of the quad
        cut = quad.rect
    return Area(cut=cut, paint=paint, rotate=_rotation(quad))
