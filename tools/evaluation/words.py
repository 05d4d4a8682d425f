"""A PDF as words with boxes, and which of an original's words a redacted copy no longer shows in their place."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Sequence

import pymupdf

from veil.contracts import fold

_log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]

# Share of the smaller box two words must share to be "at the same place": redaction leaves
# the words it keeps where they were, so a kept word overlaps itself almost entirely.
_SAME_PLACE = 0.5


class NotAPdfError(ValueError):
    """Bytes that are not a PDF: MuPDF would open HTML, XPS or images as documents too."""


def open_pdf(data: bytes, what: str) -> pymupdf.Document:
    """`data` opened as a PDF, or NotAPdfError saying which document (`what`) it was meant to be."""
    try:
        doc = pymupdf.open("pdf", data)
    except pymupdf.FileDataError as exc:
        raise NotAPdfError(f"{what} is not a readable PDF ({exc})") from None
    if not doc.is_pdf:
        kind = doc.metadata.get("format") or "something else"
        doc.close()
        raise NotAPdfError(f"{what} is not a PDF but {kind}")
    return doc


@dataclass(frozen=True)
class Word:
    """A word as MuPDF extracts it (split on white space, punctuation attached); pages from 1."""

    page: int
    box: Box
    text: str
    line: tuple[int, int]   # (block, line) on its page: where hyphenation can split a word

    @property
    def countable(self) -> bool:
        """Punctuation-only tokens ("-", "•", ":") count neither as gold nor as removed."""
        return any(ch.isalnum() for ch in self.text)


def _inside(box: Box, area: Box | None) -> bool:
    if area is None:
        return True
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return area[0] <= cx <= area[2] and area[1] <= cy <= area[3]


def pdf_words(doc: pymupdf.Document, area: Box | None = None) -> list[Word]:
    """Every word of the document in MuPDF's reading order; with `area`, only the words whose
    centre lies in it, on every page."""
    out: list[Word] = []
    for index, page in enumerate(doc):
        for x0, y0, x1, y1, text, block, line, _ in page.get_text("words"):
            box = (x0, y0, x1, y1)
            if _inside(box, area):
                out.append(Word(index + 1, box, text, (block, line)))
    return out


def _area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def overlap(a: Box, b: Box) -> float:
    """The area two boxes share."""
    return _area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def same_place(a: Box, b: Box) -> bool:
    """Whether two boxes overlap over most of the smaller one."""
    smaller = min(_area(a), _area(b))
    return smaller > 0 and overlap(a, b) >= _SAME_PLACE * smaller


def removed_flags(original: Sequence[Word], redacted: pymupdf.Document) -> list[bool]:
    """For each original word, whether the redacted document lost it: no word with the same text
    overlaps its box on its page. A word cut in part ("Smith," keeping ",") counts as removed;
    the text is compared, not searched for anywhere, so a name kept elsewhere does not hide a
    removal here."""
    kept: dict[tuple[int, str], list[Box]] = defaultdict(list)
    for word in pdf_words(redacted):
        kept[(word.page, fold(word.text))].append(word.box)
    return [not any(same_place(w.box, b) for b in kept.get((w.page, fold(w.text)), ())) for w in original]
