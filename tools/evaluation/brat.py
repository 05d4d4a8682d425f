"""Reader of BRAT standoff gold: `NAME.txt` with `NAME.ann`, text-bound annotations only, discontinuous spans included."""

from __future__ import annotations

import logging
from pathlib import Path

from tools.evaluation.documents import GoldDocument, GoldFormatError, GoldSpan
from tools.evaluation.labels import labelled_span
from veil.contracts import normalize

_log = logging.getLogger(__name__)


def read_text(path: Path) -> str:
    """The note exactly as BRAT counts its offsets: code points of the file, line ends untouched."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except UnicodeDecodeError as exc:
        raise GoldFormatError(path, f"not UTF-8 ({exc})") from None


def read(txt_path: Path, ann_path: Path, name: str) -> GoldDocument:
    text = read_text(txt_path)
    spans: list[GoldSpan] = []
    # split("\n"), not splitlines(): the line numbers in errors must be the ones an editor shows.
    for number, line in enumerate(read_text(ann_path).split("\n"), start=1):
        line = line.rstrip("\r")
        # Attributes (A), relations (R), events (E), notes (#), normalizations (N) label the
        # text-bound annotations; only those (T) mark what must be removed.
        if line.startswith("T"):
            spans.append(_text_bound(ann_path, number, line, text))
    return GoldDocument(name=name, text=text, pdf_path=None, spans=spans, source=ann_path, format="brat")


def _text_bound(path: Path, number: int, line: str, text: str) -> GoldSpan:
    fields = line.split("\t")
    if len(fields) < 2 or " " not in fields[1].strip():
        raise GoldFormatError(path, f"expected 'T<n><TAB>TYPE START END<TAB>text', got {line!r}", line=number)
    label, _, offsets = fields[1].strip().partition(" ")
    fragments: list[tuple[int, int]] = []
    for fragment in offsets.split(";"):
        bounds = fragment.split()
        try:
            start, end = (int(b) for b in bounds)
        except ValueError:
            raise GoldFormatError(path, f"offsets must be 'START END' pairs separated by ';', got {offsets!r}",
                                  line=number) from None
        if not 0 <= start <= end <= len(text):
            raise GoldFormatError(path, f"offsets {start} {end} outside the text ({len(text)} characters)",
                                  line=number)
        fragments.append((start, end))
    parts = tuple(text[s:e] for s, e in fragments)
    # BRAT writes a discontinuous span's text as its fragments joined by a space.
    stated = fields[2] if len(fields) > 2 else None
    if stated is not None and normalize(stated) != normalize(" ".join(parts)):
        raise GoldFormatError(path, f"text {stated!r} does not match the note at {offsets!r} "
                                    f"({' '.join(parts)!r}); is the .txt the one annotated?", line=number)
    start, end = min(s for s, _ in fragments), max(e for _, e in fragments)
    return labelled_span(start, end, " ".join(parts), label, parts=parts if len(parts) > 1 else ())
