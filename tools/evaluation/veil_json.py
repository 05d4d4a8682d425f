"""Reader of Veil's own JSON gold: offsets for a text note, or text and page for a PDF (as tools.synthetic.samples writes)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from tools.evaluation.brat import read_text
from tools.evaluation.documents import GoldDocument, GoldFormatError, GoldSpan
from tools.evaluation.labels import labelled_span
from veil.contracts import normalize

_log = logging.getLogger(__name__)


def load_labels(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise GoldFormatError(path, f"not valid JSON ({exc.msg}, column {exc.colno})", line=exc.lineno) from None
    except UnicodeDecodeError as exc:
        raise GoldFormatError(path, f"not UTF-8 ({exc})") from None


def _span_dicts(path: Path, labels: Any) -> list[dict]:
    spans = labels.get("spans") if isinstance(labels, dict) else None
    if not isinstance(spans, list) or not all(isinstance(s, dict) for s in spans):
        raise GoldFormatError(path, 'expected {"spans": [{...}, ...]}')
    return spans


def _field(path: Path, index: int, span: dict, key: str, kind: type) -> Any:
    value = span.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise GoldFormatError(path, f"spans[{index}]: {key!r} must be {kind.__name__}, got {value!r}")
    return value


def read_text_note(txt_path: Path, json_path: Path, name: str) -> GoldDocument:
    """A note with {"spans": [{"start", "end", "type", "text"?}]}, offsets in code points of the .txt."""
    text = read_text(txt_path)
    spans: list[GoldSpan] = []
    for i, span in enumerate(_span_dicts(json_path, load_labels(json_path))):
        start, end = _field(json_path, i, span, "start", int), _field(json_path, i, span, "end", int)
        label = _field(json_path, i, span, "type", str)
        if not 0 <= start <= end <= len(text):
            raise GoldFormatError(json_path, f"spans[{i}]: offsets {start}-{end} outside the text "
                                             f"({len(text)} characters)")
        stated = span.get("text")
        if stated is not None and normalize(str(stated)) != normalize(text[start:end]):
            raise GoldFormatError(json_path, f"spans[{i}]: text {stated!r} is not what the note has at "
                                             f"{start}-{end} ({text[start:end]!r})")
        spans.append(labelled_span(start, end, text[start:end], label))
    return GoldDocument(name=name, text=text, pdf_path=None, spans=spans, source=json_path, format="veil-text")


def read_pdf(pdf_path: Path, json_path: Path, name: str) -> GoldDocument:
    """A PDF with {"spans": [{"text", "type", "page"}]}: every occurrence of the text on that page
    (pages from 1; no page means every page) is gold."""
    spans: list[GoldSpan] = []
    for i, span in enumerate(_span_dicts(json_path, load_labels(json_path))):
        text = _field(json_path, i, span, "text", str)
        label = _field(json_path, i, span, "type", str)
        page = span.get("page")
        if page is not None and (not isinstance(page, int) or isinstance(page, bool) or page < 1):
            raise GoldFormatError(json_path, f"spans[{i}]: 'page' counts from 1, got {page!r}")
        if not text.strip():
            raise GoldFormatError(json_path, f"spans[{i}]: empty text")
        spans.append(labelled_span(None, None, text, label, page=page))
    return GoldDocument(name=name, text=None, pdf_path=pdf_path, spans=spans, source=json_path, format="veil-pdf")


def has_spans(path: Path) -> bool:
    """Whether a JSON file looks like gold at all (a stray manifest next to the gold is not)."""
    labels = load_labels(path)
    return isinstance(labels, dict) and "spans" in labels
