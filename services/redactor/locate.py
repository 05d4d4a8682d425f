"""Where a span is on a page: every whole-word occurrence of its text, as the areas to remove and to paint.

Occurrences are found case-insensitively, across line breaks, hyphenation and ligatures,
and checked against the characters around them, so "Ann" does not hit "Annual" and "92"
does not hit "1992". The page's characters are read once (MuPDF's text page, hyphenated
lines joined as its search joins them) into one lower-cased string, and each span's text
is a pattern over that string: a clinical page has dozens of spans, and MuPDF's search
walks the whole page once per string. Pages with text set at a slant (neither horizontal
nor vertical) are searched with PyMuPDF's search, whose quads follow the slant.

Each occurrence yields one `Area` per line it covers:
- `cut`, the rectangle handed to the redaction annotation, is a thin band through the middle
  of the line's letters. MuPDF removes every glyph whose box touches the annotation, and
  glyph boxes of neighbouring lines overlap when lines are set tight; a band through the
  middle touches every glyph of its own line and none of the lines above and below.
- `paint`, the box drawn afterwards (and applied to images under the text), covers the
  line's letters from descender to ascender.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

import pymupdf

from services.redactor import pdf
from veil.contracts import fold, normalize

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
_AXIS_TOLERANCE = 1e-3   # a line direction this close to an axis is horizontal or vertical
_FOLDED: dict[str, str] = {}


def _fold(c: str) -> str:
    """One character as matching compares it: NFKC, lower case; never more than one character."""
    folded = _FOLDED.get(c)
    if folded is None:
        folded = unicodedata.normalize("NFKC", c).lower()
        if len(folded) != 1:
            folded = c.lower() if len(c.lower()) == 1 else c
        _FOLDED[c] = folded
    return folded


@dataclass(frozen=True)
class _PageText:
    """The page's characters as one lower-cased string to match against, and the character behind each position.

    Lines are joined by a space. `at[i]` is MuPDF's dict of the character at position i
    ("c", "bbox", "origin"), None for the space between two lines; `sizes[i]` its font size,
    `rows[i]` its line; `dirs[row]` each line's direction.
    """

    text: str
    at: list[dict | None]
    sizes: list[float]
    rows: list[int]
    dirs: list[tuple[float, float]]
    axis_aligned: bool


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
    """Finds spans on one page; reads its text page and characters once, on first use."""

    def __init__(self, page: pymupdf.Page):
        self.page = page
        self._textpage: pymupdf.TextPage | None = None
        self._text: _PageText | None = None
        self._chars: list[list[_Char]] | None = None
        self._grid: dict[int, list[_Char]] = {}
        self._found: dict[str, list[list[Area]]] = {}
        self._plain: str | None = None
        self._extracted: str | None = None

    @property
    def textpage(self) -> pymupdf.TextPage:
        if self._textpage is None:
            self._textpage = pdf.textpage(self.page, pdf.SEARCH_FLAGS)
        return self._textpage

    @property
    def text(self) -> _PageText:
        """The page's characters, line by line as MuPDF's search sees them (hyphenated lines joined)."""
        if self._text is None:
            # A string per span and MuPDF's own character dicts, not an object per character:
            # a page has thousands of characters and only the few inside a match are looked at again.
            lines: list[str] = []
            at: list[dict | None] = []
            sizes: list[float] = []
            rows: list[int] = []
            dirs: list[tuple[float, float]] = []
            axis_aligned = True
            for block in self.textpage.extractRAWDICT()["blocks"]:
                for line in block.get("lines", []):
                    row = len(dirs)
                    dx, dy = line["dir"]
                    dirs.append((dx, dy))
                    if abs(dx) > _AXIS_TOLERANCE and abs(dy) > _AXIS_TOLERANCE:
                        axis_aligned = False
                    pieces = []
                    for span in line["spans"]:
                        chars = span["chars"]
                        pieces.append("".join([ch["c"] for ch in chars]))
                        at.extend(chars)
                        sizes.extend([float(span["size"])] * len(chars))
                        rows.extend([row] * len(chars))
                    lines.append("".join(pieces))
                    at.append(None)     # the space that joins this line to the next
                    sizes.append(0.0)
                    rows.append(row)
            text = " ".join(lines)
            folded = text.lower()
            if len(folded) != len(text):   # a few characters lower-case to two ("İ"): fold one by one
                folded = "".join(_fold(c) for c in text)
            self._text = _PageText(folded, at, sizes, rows, dirs, axis_aligned)
        return self._text

    @property
    def chars(self) -> list[list[_Char]]:
        """The page's characters as objects, line by line (for boxes and for the slanted-text search)."""
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
            self._plain = fold(self.extracted)
        return self._plain

    @property
    def extracted(self) -> str:
        """The page's text as MuPDF extracts it from the text page (also what the needs-OCR check counts)."""
        if self._extracted is None:
            self._extracted = self.textpage.extractText()
        return self._extracted

    # -- text ----------------------------------------------------------------------------------

    def find(self, text: str) -> list[list[Area]]:
        """Every whole-word occurrence of `text` on the page, each as its areas (one per line)."""
        needle = normalize(text)
        if not needle:
            return []
        if needle in self._found:   # callers send one span per occurrence: the same text again and again
            return self._found[needle]
        variants = [v for v in _variants(needle) if v.casefold() in self.plain]
        if not variants:
            found: list[list[Area]] = []   # a substring test on the page's text spares reading its characters
        elif self.text.axis_aligned:
            found = self._matches(needle)
            raw = " ".join(text.split())
            if not found and raw != needle:
                # NFKC turned a character into several ("№" -> "No") that the page's string keeps as one.
                found = self._matches(raw)
        else:
            found = self._searched(variants)
        self._found[needle] = found
        return found

    def _matches(self, needle: str) -> list[list[Area]]:
        """`needle`'s whole-word occurrences in the page's string, each as its areas (one per line)."""
        page = self.text
        first, last = needle[0], needle[-1]
        found: list[list[Area]] = []
        for m in _pattern(needle).finditer(page.text):
            start, end = m.span()
            before = page.text[start - 1] if start > 0 else " "
            after = page.text[end] if end < len(page.text) else " "
            if _clash(before, first) or _clash(after, last):
                continue
            chars = [(i, page.at[i]) for i in range(start, end) if page.at[i] is not None
                     and not page.at[i]["c"].isspace()]
            if chars:
                found.append([self._line_area(run, page) for run in _visual_lines(chars, page)])
        return found

    @staticmethod
    def _line_area(run: list[tuple[int, dict]], page: _PageText) -> Area:
        boxes = [ch["bbox"] for _, ch in run]
        x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
        x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
        first, ch = run[0]
        ox, oy = ch["origin"]
        area = _band(*_corners(x0, y0, x1, y1, *page.dirs[page.rows[first]]), max(page.sizes[i] for i, _ in run),
                     ox, oy)
        if area is None:
            rect = pymupdf.Rect(x0, y0, x1, y1)
            return Area(cut=rect, paint=rect, rotate=0)
        return area

    def _searched(self, variants: list[str]) -> list[list[Area]]:
        """Occurrences by PyMuPDF's search, for pages with slanted text."""
        found: list[list[Area]] = []
        seen: list[pymupdf.Rect] = []
        for variant in variants:
            quads = self.page.search_for(variant, quads=True, flags=pdf.SEARCH_FLAGS, textpage=self.textpage)
            for hit in self._hits(quads, variant):
                areas = [a for a in (self._area(q, chars) for q, chars in hit) if a is not None]
                # A variant finds the occurrences the original found too; keep each once.
                fresh = [a for a in areas if not any(_same(a.cut, r) for r in seen)]
                if fresh:
                    seen.extend(a.cut for a in fresh)
                    found.append(fresh)
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
        if abs(quad.ur.x - quad.ul.x) > _AXIS_TOLERANCE and abs(quad.ur.y - quad.ul.y) > _AXIS_TOLERANCE:
            # Slanted text: the rectangle around the quad also holds its neighbours' letters.
            out = [ch for ch in out if pymupdf.Point(ch.cx, ch.cy) in quad]
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
        quad = _oriented_quad(rect, last.x - first.x, last.y - first.y)
        area = band_area(quad, max(ch.size for ch in run), first)
        assert area is not None
        return area


def _same(a: pymupdf.Rect, b: pymupdf.Rect) -> bool:
    inter = a & b
    return not inter.is_empty and abs(inter) >= 0.8 * min(abs(a), abs(b))


@functools.lru_cache(maxsize=4096)
def _pattern(needle: str) -> re.Pattern:
    """A span's text as a pattern over a page's string: any run of whitespace for a space, any case.

    A hyphen may be gone: MuPDF joins "Smith-" + "Jones" at a line end into "SmithJones".
    """
    return re.compile("".join(r"\s+" if c == " " else "-?" if c == "-" else _char_class(c) for c in needle))


def _char_class(c: str) -> str:
    """`c` as the page's string may hold it: folded (NFKC, lower case) or only lower-cased ("º", "²").

    The page's string is lower-cased, and folded character by character only where lower-casing
    changes its length; a needle character must match either form.
    """
    forms = {_fold(c), c.lower() if len(c.lower()) == 1 else c}
    return re.escape(forms.pop()) if len(forms) == 1 else "[" + "".join(re.escape(f) for f in sorted(forms)) + "]"


def _visual_lines(chars: list[tuple[int, dict]], page: _PageText) -> list[list[tuple[int, dict]]]:
    """A match's characters split where the text moves to another line.

    One of MuPDF's lines can cover two lines on the page: a word hyphenated at a line end
    is joined into the first line. A character starts a new line when it belongs to
    another of MuPDF's lines, or when its baseline is more than half the font size away
    from the previous character's across the text direction.
    """
    (i, first), (j, last) = chars[0], chars[-1]
    dx, dy = page.dirs[page.rows[i]]
    axis = 1 if abs(dx) >= abs(dy) else 0     # horizontal text: compare the baselines' y
    if page.rows[i] == page.rows[j] and \
            abs(first["origin"][axis] - last["origin"][axis]) <= 0.5 * max(page.sizes[i], page.sizes[j]):
        return [chars]   # one of MuPDF's lines, first and last on one baseline: nearly every match
    runs: list[list[tuple[int, dict]]] = []
    for i, ch in chars:
        if runs:
            j, prev = runs[-1][-1]
            dx, dy = page.dirs[page.rows[i]]
            axis = 1 if abs(dx) >= abs(dy) else 0     # horizontal text: compare the baselines' y
            across = abs(ch["origin"][axis] - prev["origin"][axis])
            if page.rows[i] == page.rows[j] and across <= 0.5 * max(page.sizes[i], page.sizes[j]):
                runs[-1].append((i, ch))
                continue
        runs.append([(i, ch)])
    return runs


def _corners(x0: float, y0: float, x1: float, y1: float, dx: float, dy: float) -> tuple[float, ...]:
    """The lower-left, upper-left and lower-right corners (as x, y, ...) of an axis-aligned rectangle
    seen along the text direction (dx, dy): the quad whose ul->ur edge runs along the text."""
    if abs(dy) > abs(dx):   # vertical text
        if dy < 0:          # runs upwards: the glyphs' tops face left
            return x1, y1, x0, y1, x1, y0
        return x0, y0, x1, y0, x0, y1
    if dx < 0:
        return x1, y0, x1, y1, x0, y0
    return x0, y1, x0, y0, x1, y1


def _oriented_quad(rect: pymupdf.Rect, dx: float, dy: float) -> pymupdf.Quad:
    """An axis-aligned rectangle as a quad whose ul->ur edge runs along the text direction (dx, dy)."""
    llx, lly, ulx, uly, lrx, lry = _corners(rect.x0, rect.y0, rect.x1, rect.y1, dx, dy)
    return pymupdf.Quad((ulx, uly), (ulx + lrx - llx, uly + lry - lly), (llx, lly), (lrx, lry))


def _rotation(alx: float, aly: float) -> int:
    """The text direction, from the vector along the text (bottom-left to bottom-right)."""
    if abs(alx) >= abs(aly):
        return 0 if alx >= 0 else 180
    return 90 if aly < 0 else 270


def band_area(quad: pymupdf.Quad, size: float, origin: pymupdf.Point | None) -> Area | None:
    """The cut band and the paint box of one line's quad, from its baseline and font size."""
    return _band(quad.ll.x, quad.ll.y, quad.ul.x, quad.ul.y, quad.lr.x, quad.lr.y, size,
                 origin.x if origin is not None else None, origin.y if origin is not None else None)


def _band(llx: float, lly: float, ulx: float, uly: float, lrx: float, lry: float, size: float,
          ox: float | None, oy: float | None) -> Area | None:
    # Plain floats, not pymupdf.Point arithmetic: this runs for every area of every page.
    upx, upy = ulx - llx, uly - lly                        # from the bottom edge to the top edge
    height = (upx ** 2 + upy ** 2) ** 0.5
    if height <= 0:
        return None
    if size <= 0 or ox is None or oy is None:
        base, unit = 0.22, 1.0 / 1.37            # no character matched: typical font metrics
    else:
        base = ((ox - llx) * upx + (oy - lly) * upy) / (height * height)
        unit = size / height
    alx, aly = lrx - llx, lry - lly                        # along the text
    length = (alx ** 2 + aly ** 2) ** 0.5

    def at(t0: float, t1: float, inset: float = 0.0) -> pymupdf.Rect:
        t0, t1 = max(0.0, min(1.0, t0)), max(0.0, min(1.0, t1))
        sx, sy = (alx * inset / length, aly * inset / length) if length > 0 else (0.0, 0.0)
        xs = (llx + sx + upx * t0, llx + alx - sx + upx * t0, llx + sx + upx * t1, llx + alx - sx + upx * t1)
        ys = (lly + sy + upy * t0, lly + aly - sy + upy * t0, lly + sy + upy * t1, lly + aly - sy + upy * t1)
        return pymupdf.Rect(min(xs), min(ys), max(xs), max(ys))

    # The cut also stays a little inside the first and last letter, so kerned neighbours
    # whose boxes reach into the match are not touched.
    inset = min(_CUT_INSET * size, 0.25 * length) if size > 0 else 0.0
    cut = at(base + _CUT_BOTTOM * unit, base + _CUT_TOP * unit, inset)
    paint = at(base + _PAINT_BOTTOM * unit, base + _PAINT_TOP * unit)
    if cut.is_empty:   # degenerate quad (zero width): fall back to the middle of the quad
        xs, ys = (llx, ulx, lrx, ulx + alx), (lly, uly, lry, uly + aly)
        cut = pymupdf.Rect(min(xs), min(ys), max(xs), max(ys))
    return Area(cut=cut, paint=paint, rotate=_rotation(alx, aly))
