"""OCR of what a page shows in pixels: which pages need it, rendering, Tesseract in parallel, words in page space.

Born-digital pages are never OCR'd: only a page that is a scan (images cover it), that
carries images large enough to hold words, or that has text drawn as vector outlines
(many small filled curved paths) is rendered, and only the region that holds them. Pages
are rendered one after the other under the PyMuPDF lock (MuPDF is not thread-safe) and
recognised in parallel: Tesseract runs as its own process per page (pytesseract), so the
threads wait on it without holding the GIL.

Words come back with their boxes in PyMuPDF's coordinates of the unrotated page, grouped
into the lines Tesseract found; `textlayer` turns them into an invisible text layer that
extraction, location, redaction and verification read like any other text.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Iterable

import pymupdf

from services.redactor.settings import (
    DEFAULT_OCR,
    DEFAULT_OCR_DPI,
    DEFAULT_OCR_LANGUAGES,
    DEFAULT_OCR_TIME_PER_PAGE_S,
    DEFAULT_OCR_WORKERS,
)

# One core per Tesseract process: pages run in parallel, and OpenMP threads inside each on top
# of that only oversubscribe the cores (and make Tesseract slower, not faster).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

_log = logging.getLogger(__name__)

SCAN, IMAGES, OUTLINES = "scan", "images", "outlines"
# A page is a scan when images cover this much of it; smaller images are OCR'd in their region.
_SCAN_COVERAGE = 0.5
# Images smaller than this (points) cannot hold a readable word at any usual size.
_MIN_IMAGE_W, _MIN_IMAGE_H = 24.0, 6.0
# Text drawn as outlines: filled paths the size of a glyph, with curves; a page needs a few.
_GLYPH_MAX_W, _GLYPH_MAX_H, _GLYPH_MIN_H = 40.0, 40.0, 2.0
_MIN_GLYPH_PATHS = 5
_REGION_MARGIN = 6.0
# Automatic page segmentation; no second pass over every line for white-on-black text (a
# scan is dark on light, and that pass costs a quarter of Tesseract's time).
_TESSERACT_CONFIG = "--psm 3 -c tessedit_do_invert=0"
# Regions whose words are kept for a second OCR of the same pixels (a few KB each).
_CACHE_REGIONS = 512
# Tesseract's confidence (0-100) below which a "word" is noise (speckle, a line of a table).
_MIN_CONFIDENCE = 10.0


@dataclass(frozen=True)
class OcrOptions:
    mode: str = DEFAULT_OCR
    dpi: int = DEFAULT_OCR_DPI
    workers: int = DEFAULT_OCR_WORKERS
    languages: str = DEFAULT_OCR_LANGUAGES
    time_per_page_s: float = DEFAULT_OCR_TIME_PER_PAGE_S

    @classmethod
    def from_config(cls, cfg) -> "OcrOptions":
        return cls(cfg.redactor_ocr, cfg.redactor_ocr_dpi, cfg.redactor_ocr_workers, cfg.redactor_ocr_languages,
                   cfg.redactor_ocr_time_per_page_s)

    @property
    def enabled(self) -> bool:
        return self.mode != "off" and available()


def available() -> bool:
    """True when the Tesseract program is installed (Debian: tesseract-ocr, tesseract-ocr-eng)."""
    return shutil.which("tesseract") is not None


@dataclass(frozen=True)
class Word:
    text: str
    rect: pymupdf.Rect          # unrotated page coordinates
    line: int                   # words of one line share it (per page)


@dataclass
class Plan:
    """What of a page is OCR'd and why."""

    kind: str                                     # SCAN, IMAGES or OUTLINES
    regions: list[pymupdf.Rect]                    # unrotated page coordinates
    words: list[Word] = field(default_factory=list)


def plan(page: pymupdf.Page, text_chars: int, needs_ocr: bool) -> Plan | None:
    """The regions of the page whose text may be only in pixels, or None for a born-digital page."""
    area = abs(page.rect) or 1.0
    images = []
    for info in page.get_image_info():
        box = pymupdf.Rect(info["bbox"]) & page.rect
        if not box.is_empty and box.width >= _MIN_IMAGE_W and box.height >= _MIN_IMAGE_H:
            images.append(box)
    covered = sum(abs(b) for b in images) / area
    if needs_ocr or covered >= _SCAN_COVERAGE:
        return Plan(SCAN, [pymupdf.Rect(page.rect)])
    regions = _joined(images)
    kind = IMAGES
    glyphs = _glyph_paths(page)
    if len(glyphs) >= _MIN_GLYPH_PATHS:
        # One region around all of them: OCR needs whole lines (and some white around them), and
        # letters drawn one path each would otherwise be read a few at a time.
        around = pymupdf.Rect(glyphs[0])
        for g in glyphs[1:]:
            around |= g
        regions = _joined(regions + [around])
        kind = OUTLINES if not images else IMAGES + "+" + OUTLINES
    if not regions:
        return None
    return Plan(kind, regions)


def _glyph_paths(page: pymupdf.Page) -> list[pymupdf.Rect]:
    """Boxes of the filled, curved paths the size of a letter (text drawn as outlines)."""
    found = []
    for path in page.get_cdrawings():
        if "f" not in (path.get("type") or ""):
            continue
        r = pymupdf.Rect(path["rect"])
        if not (_GLYPH_MIN_H <= r.height <= _GLYPH_MAX_H and 0 < r.width <= _GLYPH_MAX_W):
            continue
        if any(item[0] == "c" for item in path["items"]):
            found.append(r)
    return found


def _joined(rects: Iterable[pymupdf.Rect]) -> list[pymupdf.Rect]:
    """The rectangles (with a margin) with every overlapping pair joined, until none overlap."""
    out: list[pymupdf.Rect] = []
    for r in rects:
        r = pymupdf.Rect(r.x0 - _REGION_MARGIN, r.y0 - _REGION_MARGIN, r.x1 + _REGION_MARGIN, r.y1 + _REGION_MARGIN)
        merged = True
        while merged:
            merged = False
            for i, other in enumerate(out):
                if r.intersects(other):
                    r = r | out.pop(i)
                    merged = True
                    break
        out.append(r)
    return out


@dataclass
class _Render:
    key: tuple[int, int]
    gray: bytes
    width: int
    height: int
    to_page: pymupdf.Matrix      # pixel -> unrotated page coordinates


def render(page: pymupdf.Page, region: pymupdf.Rect, dpi: int, key: tuple[int, int]) -> _Render | None:
    """The region (unrotated page coordinates) as a grey image; call under the PyMuPDF lock."""
    clip = (region * page.rotation_matrix).normalize() & page.rect
    if clip.is_empty:
        return None
    pix = page.get_pixmap(dpi=dpi, clip=clip, colorspace=pymupdf.csGRAY, alpha=False)
    scale = 72.0 / dpi
    to_page = pymupdf.Matrix(scale, 0, 0, scale, pix.x * scale, pix.y * scale) * page.derotation_matrix
    return _Render(key, pix.samples, pix.width, pix.height, to_page)


class _Cache:
    """Tesseract's words by the exact pixels it saw (and its languages), for the last few hundred regions.

    The pipeline extracts a document and then redacts the same bytes: in one process (the
    batch path, the CLI, a gunicorn worker that gets both requests) the second OCR of each
    unchanged page is a lookup. The output's pixels differ where anything was redacted, so
    verification never reads a cached answer for a changed page.
    """

    def __init__(self, size: int = _CACHE_REGIONS):
        self.size = size
        self.hits = self.misses = 0
        self._items: OrderedDict[tuple[str, int, int, str], list[_RawWord]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(r: _Render, languages: str) -> tuple[str, int, int, str]:
        return hashlib.blake2b(r.gray, digest_size=16).hexdigest(), r.width, r.height, languages

    def get(self, key: tuple[str, int, int, str]) -> list[_RawWord] | None:
        with self._lock:
            words = self._items.get(key)
            if words is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return words

    def put(self, key: tuple[str, int, int, str], words: list[_RawWord]) -> None:
        with self._lock:
            self._items[key] = words
            while len(self._items) > self.size:
                self._items.popitem(last=False)


CACHE = _Cache()


def recognise(renders: list[_Render], options: OcrOptions) -> dict[tuple[int, int], list[Word]]:
    """Words of each rendered image, Tesseract running on `options.workers` images at a time."""
    if not renders:
        return {}
    found: dict[tuple[int, int], list[Word]] = {}
    todo: list[tuple[_Render, tuple[str, int, int, str]]] = []
    for r in renders:
        key = CACHE.key(r, options.languages)
        raw = CACHE.get(key)
        if raw is None:
            todo.append((r, key))
        else:
            found[r.key] = _placed(raw, r)
    if todo:
        with ThreadPoolExecutor(max_workers=max(1, options.workers), thread_name_prefix="ocr") as pool:
            for (r, key), raw in zip(todo, pool.map(lambda item: _read(item[0], options.languages), todo)):
                CACHE.put(key, raw)
                found[r.key] = _placed(raw, r)
    return found


# A word as Tesseract reports it: text, its box in pixels, its line's number in the image.
_RawWord = tuple[str, int, int, int, int, int]


def _read(r: _Render, languages: str) -> list[_RawWord]:
    import pytesseract
    from PIL import Image

    image = Image.frombytes("L", (r.width, r.height), r.gray)
    data = pytesseract.image_to_data(image, lang=languages, config=_TESSERACT_CONFIG,
                                     output_type=pytesseract.Output.DICT)
    words: list[_RawWord] = []
    lines: dict[tuple[int, int, int], int] = {}
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        if not text or float(data["conf"][i]) < _MIN_CONFIDENCE:
            continue
        line = lines.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), len(lines))
        words.append((text, data["left"][i], data["top"][i], data["width"][i], data["height"][i], line))
    return words


def _placed(raw: list[_RawWord], r: _Render) -> list[Word]:
    """The words in page coordinates, their lines numbered apart from those of the page's other regions."""
    return [Word(text, (pymupdf.Rect(x, y, x + w, y + h) * r.to_page).normalize(), r.key[1] * 100_000 + line)
            for text, x, y, w, h, line in raw]


def ocr_pages(plans: dict[int, Plan], doc: pymupdf.Document, options: OcrOptions) -> None:
    """Fills each plan's words: renders its regions (in turn) and recognises them (in parallel)."""
    renders = []
    for index, p in plans.items():
        for n, region in enumerate(p.regions):
            r = render(doc[index], region, options.dpi, (index, n))
            if r is not None:
                renders.append(r)
    found = recognise(renders, options)
    for (index, _), words in sorted(found.items()):
        plans[index].words.extend(words)
    _log.info("OCR: %d regions on %d pages, %d words", len(renders), len(plans),
              sum(len(p.words) for p in plans.values()))


def joined(words: list[Word]) -> str:
    """The words as text: a line per OCR line, words apart by spaces."""
    lines: dict[int, list[str]] = {}
    for w in words:
        lines.setdefault(w.line, []).append(w.text)
    return "\n".join(" ".join(ws) for ws in lines.values())
