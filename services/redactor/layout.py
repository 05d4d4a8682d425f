"""From text lines to paragraphs in reading order, headings, running headers/footers and blobs.

Pure layout analysis over the lines MuPDF extracted (no PDF access here), so every rule can
be tested on hand-made lines. Decisions are made against the whole document, not one
paragraph at a time: the body font size is the document's most common size, a running
header is a line that repeats near the same edge on most pages, a heading is set apart
from that body style (larger, bolder, upper case, numbered with space above).

Coordinates: `bbox` is where MuPDF reports the text (PyMuPDF page coordinates of the
unrotated page, what redaction uses); `box` is the same line in the page's reading frame,
turned so the page's dominant text direction runs left to right, which is where columns,
margins and line spacing make sense (a landscape page stored rotated, vertical text).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Sequence

Box = tuple[float, float, float, float]

HEADER, FOOTER, BODY = "header", "footer", "body"
_EDGE_ZONE = 0.1            # running headers/footers live within this fraction of the page height
_RUNNING_MIN_SHARE = 0.5    # ...and repeat on at least half of the pages (and on two at least)
_LARGER = 1.12              # a heading's size over the body size
_STYLE_TOLERANCE = 0.6      # points of size difference that still count as the same style
_MAX_HEADING_LINES = 3
_MAX_HEADING_CHARS = 150
_MAX_HEADING_WORDS = 18
_NUMBERED = re.compile(r"^(?:\d+(?:\.\d+)*\.?|\d+\)|[IVXLC]+\.|[A-Z]\.)\s+\S")
_LIST_ITEM = re.compile(r"^(?:[•\u2022\u25cf\u25aa\-–*]\s|\(?\d+[.)]\s|\(?[a-z][.)]\s)")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


@dataclass
class Line:
    page: int           # from 1
    block: int
    bbox: Box           # PyMuPDF page coordinates (unrotated page)
    box: Box            # reading-frame coordinates
    text: str
    size: float
    bold: bool
    font: str
    upright: bool = True  # runs in the page's dominant direction
    role: str = BODY

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @functools.cached_property
    def chars(self) -> int:
        # Asked for again and again while a document's layout is read; a line's text never changes.
        return len("".join(self.text.split()))


@dataclass
class PageFrame:
    page: int
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)


@dataclass
class TextBlock:
    page: int
    lines: list[Line]
    role: str = BODY
    heading: bool = False
    heading_level: int | None = None
    column: str = "full"
    gap_above: float = float("inf")
    blob_id: int = -1
    dep_flag: bool = False

    @property
    def text(self) -> str:
        return join_lines(line.text for line in self.lines)

    @property
    def bbox(self) -> Box:
        return _union(line.bbox for line in self.lines)

    @property
    def box(self) -> Box:
        return _union(line.box for line in self.lines)

    @property
    def size(self) -> float:
        weights: Counter[float] = Counter()
        for line in self.lines:
            weights[round(line.size * 2) / 2] += line.chars or 1
        return weights.most_common(1)[0][0]

    @property
    def bold(self) -> bool:
        total = sum(line.chars for line in self.lines) or 1
        return sum(line.chars for line in self.lines if line.bold) / total >= 0.8

    @property
    def font(self) -> str:
        weights: Counter[str] = Counter()
        for line in self.lines:
            weights[line.font] += line.chars or 1
        return weights.most_common(1)[0][0]


def _union(boxes: Iterable[Box]) -> Box:
    boxes = list(boxes)
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def join_lines(texts: Iterable[str]) -> str:
    """Lines of one paragraph as one text; a word hyphenated at a line end is joined again.

    "hyper-" + "tension" -> "hypertension" (a letter, then lower case after the break),
    while "Smith-" + "Jones" and "555-123-" + "4567" keep their hyphen and lose the space:
    a capital or a digit after the break marks a real compound or a number.
    """
    out = ""
    for raw in texts:
        text = raw.strip()
        if not text:
            continue
        hyphen = out.endswith("-") and len(out) > 1 and out[-2].isalnum() and text[0].isalnum()
        if not out:
            out = text
        elif hyphen and out[-2].isalpha() and text[0].islower():
            out = out[:-1] + text
        elif hyphen:
            out = out + text
        else:
            out = out + " " + text
    return out


# -- running headers and footers ---------------------------------------------------------------


def _running_key(text: str) -> str:
    return _SPACES.sub(" ", _DIGITS.sub("#", text.casefold())).strip()


def mark_running(pages: Sequence[PageFrame]) -> None:
    """Marks lines that repeat near the top or bottom edge on most pages as header/footer."""
    if len(pages) < 2:
        return
    seen: dict[tuple[str, str], set[int]] = defaultdict(set)
    candidates: list[tuple[Line, tuple[str, str]]] = []
    for frame in pages:
        for line in frame.lines:
            if not line.upright:
                continue
            zone = None
            if line.box[3] <= frame.height * _EDGE_ZONE:
                zone = HEADER
            elif line.box[1] >= frame.height * (1 - _EDGE_ZONE):
                zone = FOOTER
            if zone is None:
                continue
            key = (zone, _running_key(line.text))
            seen[key].add(frame.page)
            candidates.append((line, key))
    needed = max(2, math.ceil(len(pages) * _RUNNING_MIN_SHARE))
    for line, key in candidates:
        if len(seen[key]) >= needed:
            line.role = key[0]


# -- paragraphs ---------------------------------------------------------------------------------


def _first_word_width(line: Line) -> float:
    text = line.text.strip()
    if not text:
        return 0.0
    per_char = (line.box[2] - line.box[0]) / max(1, len(text))
    return len(text.split()[0]) * per_char


def _breaks(prev: Line, cur: Line, right_edge: float, first: Line) -> bool:
    """True when `cur` starts a new paragraph although MuPDF put it in the same block as `prev`
    (`first` is the first line of the paragraph `prev` belongs to)."""
    if abs(prev.size - cur.size) > _STYLE_TOLERANCE or prev.bold != cur.bold:
        return True
    if cur.box[1] < prev.box[1] - 1:             # back up the page: another column
        return True
    if cur.box[1] - prev.box[3] > 0.6 * max(prev.height, 1.0):   # a blank line between
        return True
    # A line that stops although the next line's first word would have fitted ends its paragraph
    # (key-value lines, the last line of a paragraph); a wrapped line has no such room.
    wrapped = right_edge - prev.box[2] <= _first_word_width(cur) + 0.5 * cur.size
    if _LIST_ITEM.match(cur.text.strip()):
        # "88. Update..." after a full line is the end of a number cut by the wrap, not item 88;
        # in a list, the next item still starts a paragraph however full the line before it.
        return not wrapped or _LIST_ITEM.match(first.text.strip()) is not None
    if prev.text.rstrip().endswith("-"):
        return False
    return not wrapped


def _right_edges(lines: Sequence[Line]) -> dict[int, float]:
    """For each line, the right edge of the widest line sharing its left edge (its column's measure)."""
    widest: dict[int, float] = {}   # left edge (in 4-point steps) -> rightmost right edge
    for o in lines:
        if o.upright:
            key = int(o.box[0] // 4)
            widest[key] = max(widest.get(key, o.box[2]), o.box[2])
    edges: dict[int, float] = {}
    for i, line in enumerate(lines):
        key = int(line.box[0] // 4)
        edges[i] = max([line.box[2]] + [widest[k] for k in (key - 1, key, key + 1) if k in widest])
    return edges


def paragraphs_of(frame: PageFrame) -> list[TextBlock]:
    """Groups a page's lines into paragraphs, in MuPDF's block order."""
    lines = frame.lines
    edges = _right_edges(lines)
    paragraphs: list[TextBlock] = []
    current: TextBlock | None = None
    prev_index = -1
    for i, line in enumerate(lines):
        single = line.role != BODY or not line.upright
        if single:
            paragraphs.append(TextBlock(frame.page, [line], role=line.role))
            current = None
            continue
        if (current is not None and lines[prev_index].block == line.block
                and not _breaks(lines[prev_index], line, edges[prev_index], current.lines[0])):
            current.lines.append(line)
        else:
            current = TextBlock(frame.page, [line])
            paragraphs.append(current)
        prev_index = i
    return paragraphs


def reading_order(paragraphs: Sequence[TextBlock], frame: PageFrame) -> list[TextBlock]:
    """Body paragraphs of one page in reading order: columns left to right inside each band.

    A band is the stretch of the page between full-width paragraphs; inside a band that has
    text on both sides of the middle, the left column is read before the right one.
    """
    width = frame.width or 1.0
    mid = width / 2
    slack = 0.02 * width
    flow = [p for p in paragraphs if p.role == BODY and p.lines[0].upright]
    stray = [p for p in paragraphs if p.role == BODY and not p.lines[0].upright]
    for p in flow:
        x0, _, x1, _ = p.box
        p.column = "left" if x1 <= mid + slack else "right" if x0 >= mid - slack else "full"
    ordered: list[TextBlock] = []
    band: list[TextBlock] = []

    def flush() -> None:
        lefts = [p for p in band if p.column == "left"]
        rights = [p for p in band if p.column == "right"]
        side_by_side = lefts and rights and min(p.box[1] for p in rights) < max(p.box[3] for p in lefts)
        if side_by_side:
            ordered.extend(sorted(lefts, key=lambda p: p.box[1]) + sorted(rights, key=lambda p: p.box[1]))
        else:
            ordered.extend(sorted(band, key=lambda p: p.box[1]))
        band.clear()

    for p in sorted(flow, key=lambda p: (p.box[1], p.box[0])):
        if p.column == "full":
            flush()
            ordered.append(p)
        else:
            band.append(p)
    flush()
    # Space above each paragraph, within its column: headings are set apart by it.
    last_bottom: dict[str, float] = {}
    for p in ordered:
        keys = ("left", "right") if p.column == "full" else (p.column,)
        above = [last_bottom[k] for k in keys if k in last_bottom] + \
                ([last_bottom["full"]] if "full" in last_bottom and p.column != "full" else [])
        p.gap_above = p.box[1] - max(above) if above else float("inf")
        last_bottom[p.column] = p.box[3]
        if p.column == "full":
            last_bottom["left"] = last_bottom["right"] = p.box[3]
    return ordered + stray


# -- headings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BodyStyle:
    size: float
    bold: bool
    line_height: float


def body_style(paragraphs: Sequence[TextBlock]) -> BodyStyle:
    """The document's body text style: the size (and weight) that most characters have."""
    sizes: Counter[float] = Counter()
    heights: list[float] = []
    for p in paragraphs:
        if p.role != BODY:
            continue
        for line in p.lines:
            sizes[round(line.size * 2) / 2] += line.chars
    if not sizes:
        return BodyStyle(10.0, False, 12.0)
    size = sizes.most_common(1)[0][0]
    bold_chars = total = 0
    for p in paragraphs:
        for line in p.lines:
            if p.role == BODY and abs(line.size - size) <= _STYLE_TOLERANCE:
                total += line.chars
                bold_chars += line.chars if line.bold else 0
                heights.append(line.height)
    heights.sort()
    line_height = heights[len(heights) // 2] if heights else size * 1.2
    return BodyStyle(size, bold_chars > total / 2, line_height)


def _is_heading(p: TextBlock, body: BodyStyle) -> bool:
    if p.role != BODY or not p.lines[0].upright or len(p.lines) > _MAX_HEADING_LINES:
        return False
    text = p.text.strip()
    letters = [c for c in text if c.isalpha()]
    words = text.split()
    if len(letters) < 2 or len(text) > _MAX_HEADING_CHARS or len(words) > _MAX_HEADING_WORDS:
        return False
    if text[-1] in ".,;" and not _NUMBERED.fullmatch(text + " x"):
        return False   # a sentence, however it is set
    larger = p.size >= body.size * _LARGER
    bolder = p.bold and not body.bold
    caps = len(letters) >= 4 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)
    spaced = p.gap_above >= 0.8 * body.line_height
    numbered = bool(_NUMBERED.match(text))
    if larger or bolder:
        return True
    if caps and len(p.lines) == 1 and (spaced or p.size > body.size + _STYLE_TOLERANCE):
        return True
    return numbered and spaced and len(p.lines) == 1 and len(words) <= 10


def mark_headings(paragraphs: Sequence[TextBlock], body: BodyStyle) -> None:
    headings = [p for p in paragraphs if _is_heading(p, body)]
    # Levels: numbered headings by their depth ("2.1" is 2), others by their style's rank
    # among the document's heading styles (largest first).
    styles = sorted({(p.size, p.bold) for p in headings}, key=lambda s: (-s[0], not s[1]))
    rank = {s: i + 1 for i, s in enumerate(styles)}
    for p in headings:
        p.heading = True
        m = re.match(r"^(\d+(?:\.\d+)*)\.?\s", p.text.strip())
        p.heading_level = m.group(1).count(".") + 1 if m else rank[(p.size, p.bold)]


# -- blobs --------------------------------------------------------------------------------------


def assign_blobs(body: Sequence[TextBlock], running: Sequence[TextBlock]) -> list[TextBlock]:
    """The document's paragraphs in the order the API lists them, with blob ids and DepFlags.

    A blob is the run of paragraphs under one heading (text before the first heading is a
    blob of its own); DepFlag is true exactly when a paragraph is in the same blob as the
    one before it. Running headers and footers interrupt the reading order at every page
    break, so they are listed after the body, headers and footers each as one blob.
    """
    ordered: list[TextBlock] = []
    blob = -1
    for p in body:
        new = blob < 0 or p.heading
        if new:
            blob += 1
        p.blob_id, p.dep_flag = blob, not new
        ordered.append(p)
    for role in (HEADER, FOOTER):
        group = [p for p in running if p.role == role]
        if group:
            blob += 1
        for i, p in enumerate(group):
            p.blob_id, p.dep_flag = blob, i > 0
            ordered.append(p)
    return ordered


def analyse(pages: Sequence[PageFrame]) -> list[TextBlock]:
    """All of the document's paragraphs, ordered, with headings, header/footer roles and blobs."""
    mark_running(pages)
    body: list[TextBlock] = []
    running: list[TextBlock] = []
    for frame in pages:
        paragraphs = paragraphs_of(frame)
        body.extend(reading_order(paragraphs, frame))
        running.extend(p for p in paragraphs if p.role != BODY)
    mark_headings(body, body_style(body))
    return assign_blobs(body, running)
