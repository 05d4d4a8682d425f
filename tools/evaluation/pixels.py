"""What a page says in pixels (Tesseract's words, in PDF points), and which of a document's words a copy still reads in place.

Image copies (scans, OCR'd scans) are scored by what a reader of them sees: the rendered page,
read by Tesseract, and for a copy that has one, its text layer too. OCR spells punctuation
differently from the PDF ("Smith," read as "Smith."), so words are compared by their letters
and digits only; it also joins or splits words now and then, so a word is read in place when
the words found over its box spell it, in order, at least.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Sequence

import pymupdf

from tools.evaluation.copies import DPI
from tools.evaluation.words import Box, Word, same_place
from veil.contracts import fold

_log = logging.getLogger(__name__)

# Automatic page segmentation, as the redactor reads pages; no inverted second pass (a page is
# dark on light), which costs a quarter of Tesseract's time.
_TESSERACT_CONFIG = "--psm 3 -c tessedit_do_invert=0"
# Below this confidence (0-100) Tesseract's "word" is speckle or a black box's edge.
_MIN_CONFIDENCE = 10.0


def bare(text: str) -> str:
    """The letters and digits of `text`, folded: how a word is compared across copies."""
    return "".join(ch for ch in fold(text) if ch.isalnum())


def _page_words(page: pymupdf.Page, number: int) -> list[Word]:
    import pytesseract
    from PIL import Image

    pix = page.get_pixmap(dpi=DPI, colorspace=pymupdf.csGRAY, alpha=False)
    image = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    data = pytesseract.image_to_data(image, config=_TESSERACT_CONFIG, output_type=pytesseract.Output.DICT)
    # Pixels to points; the copies' pages are never rotated.
    to_page = pymupdf.Matrix(72.0 / DPI, 72.0 / DPI)
    words = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        if not text or float(data["conf"][i]) < _MIN_CONFIDENCE:
            continue
        x, y, w, h = data["left"][i], data["top"][i], data["width"][i], data["height"][i]
        rect = (pymupdf.Rect(x, y, x + w, y + h) * to_page).normalize()
        words.append(Word(number, tuple(rect), text, (data["block_num"][i], data["par_num"][i] * 1000 + data["line_num"][i])))
    return words


def ocr_words(doc: pymupdf.Document) -> list[Word]:
    """Every word Tesseract reads on the document's pages rendered at `DPI`; pages from 1."""
    out: list[Word] = []
    for index, page in enumerate(doc):
        out.extend(_page_words(page, index + 1))
    return out


def read_flags(words: Sequence[Word], seen: Sequence[Word]) -> list[bool]:
    """For each of `words`, whether `seen` (another copy's words) reads it at its place: the words
    of `seen` at the same place, left to right, contain its letters and digits. A word with
    none (punctuation) is never read."""
    by_page: dict[int, list[tuple[Box, str]]] = defaultdict(list)
    for w in seen:
        by_page[w.page].append((w.box, bare(w.text)))
    flags = []
    for word in words:
        wanted = bare(word.text)
        over = sorted((box, text) for box, text in by_page.get(word.page, ()) if same_place(word.box, box))
        flags.append(bool(wanted) and wanted in "".join(text for _, text in over))
    return flags
