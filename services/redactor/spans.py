"""The spans a caller asks to redact: parsed and checked, each problem named by the span's index."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Sequence

import pymupdf

from services.redactor import errors
from services.redactor.settings import STYLES

MAX_TEXT_CHARS = 1000
DEFAULT_TYPE = "PHI"
_TYPE = re.compile(r"^[A-Z][A-Z0-9_-]{0,31}$")


@dataclass(frozen=True)
class Span:
    index: int
    page: int | None          # from 1; None: every page (text spans only)
    text: str | None
    bbox: pymupdf.Rect | None
    type: str
    style: str | None = None  # "box" or "label"; None: the request's style


def _bad(index: int, message: str) -> errors.DocumentRejected:
    return errors.DocumentRejected(errors.INVALID_SPANS, f"span {index}: {message}", span=index)


def _bbox(index: int, value: Any) -> pymupdf.Rect:
    if isinstance(value, dict):
        try:
            value = [value["x0"], value["y0"], value["x1"], value["y1"]]
        except KeyError:
            raise _bad(index, "bbox needs x0, y0, x1, y1") from None
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        raise _bad(index, "bbox must be [x0, y0, x1, y1]")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value):
        raise _bad(index, "bbox values must be finite numbers")
    rect = pymupdf.Rect(*value)
    if rect.x0 >= rect.x1 or rect.y0 >= rect.y1:
        raise _bad(index, "bbox must have x0 < x1 and y0 < y1")
    return rect


def parse(raw: Any, page_count: int, max_spans: int) -> list[Span]:
    """Spans from the request's JSON: a list of {"page", "text" and/or "bbox", "type", "style"?} objects.

    Other keys (a caller's paragraph index, offsets) are ignored. Pages count from 1.
    """
    if not isinstance(raw, list):
        raise errors.DocumentRejected(errors.INVALID_SPANS, "spans must be a JSON list of objects")
    if len(raw) > max_spans:
        raise errors.DocumentRejected(errors.INVALID_SPANS, f"{len(raw)} spans, over the limit of {max_spans}")
    parsed: list[Span] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise _bad(i, "must be an object")
        text = item.get("text")
        if text is not None:
            if not isinstance(text, str):
                raise _bad(i, "text must be a string")
            if len(text) > MAX_TEXT_CHARS:
                raise _bad(i, f"text is longer than {MAX_TEXT_CHARS} characters")
            text = text if text.strip() else None
        bbox = _bbox(i, item["bbox"]) if item.get("bbox") is not None else None
        if text is None and bbox is None:
            raise _bad(i, "needs a non-empty text or a bbox")
        page = item.get("page")
        if page is not None:
            if not isinstance(page, int) or isinstance(page, bool):
                raise _bad(i, "page must be an integer (pages count from 1)")
            if not 1 <= page <= page_count:
                raise _bad(i, f"page {page} is not in the document (pages 1 to {page_count})")
        elif bbox is not None and text is None:
            raise _bad(i, "a bbox needs its page")
        kind = item.get("type", DEFAULT_TYPE)
        if not isinstance(kind, str) or not _TYPE.match(kind):
            raise _bad(i, "type must be an upper-case name such as PERSON (letters, digits, _ or -)")
        style = item.get("style")
        if style is not None and style not in STYLES:
            raise _bad(i, f"style must be one of {', '.join(STYLES)}")
        parsed.append(Span(i, page, text, bbox, kind, style))
    return parsed


def by_page(spans: Sequence[Span], page_count: int) -> dict[int, list[Span]]:
    """Spans per page (from 1); a span without a page is looked for on every page."""
    pages: dict[int, list[Span]] = {}
    for span in spans:
        for page in ([span.page] if span.page is not None else range(1, page_count + 1)):
            pages.setdefault(page, []).append(span)
    return pages
