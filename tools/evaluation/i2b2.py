"""Reader of i2b2 / n2c2 de-identification gold: the 2014 XML with offsets in TAGS, and the 2006 XML with inline PHI."""

from __future__ import annotations

import logging
from pathlib import Path

from tools.evaluation.documents import GoldDocument, GoldFormatError, GoldSpan
from tools.evaluation.labels import labelled_span
from veil.contracts import normalize

try:  # the gold files are trusted, but defusedxml costs nothing where it is installed
    from defusedxml import ElementTree as _ElementTree
except ImportError:
    from xml.etree import ElementTree as _ElementTree

_log = logging.getLogger(__name__)


def read(path: Path, name: str) -> list[GoldDocument]:
    """The documents of one i2b2 XML file: one for the 2014 format, one per RECORD for 2006."""
    root = _parse(path)
    if root.tag == "deIdi2b2" or root.find("TAGS") is not None:
        return [_read_2014(path, name, root)]
    records = [root] if root.tag == "RECORD" else root.findall("RECORD")
    if records and all(r.find("TEXT") is not None for r in records):
        return _read_2006(path, name, records)
    raise GoldFormatError(path, f"<{root.tag}> is neither an i2b2 2014 <deIdi2b2> document nor 2006 <RECORD>s",
                          line=1)


def _parse(path: Path):
    try:
        return _ElementTree.parse(path).getroot()
    except _ElementTree.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise GoldFormatError(path, f"not well-formed XML ({exc})", line=line) from None
    except Exception as exc:  # defusedxml refuses entity tricks with its own exceptions
        raise GoldFormatError(path, f"unreadable XML ({type(exc).__name__}: {exc})") from None


def _line_of(path: Path, needle: str) -> int | None:
    """The line of the first occurrence of `needle` in the raw file: ElementTree keeps no line numbers."""
    try:
        raw = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    at = raw.find(needle)
    return raw.count("\n", 0, at) + 1 if at >= 0 else None


def _read_2014(path: Path, name: str, root) -> GoldDocument:
    text_element = root.find("TEXT")
    if text_element is None:
        raise GoldFormatError(path, "no <TEXT> element", line=1)
    text = text_element.text or ""
    tags = root.find("TAGS")
    spans = [_tag_span(path, text, tag) for tag in (tags if tags is not None else [])]
    return GoldDocument(name=name, text=text, pdf_path=None, spans=spans, source=path, format="i2b2-2014")


def _tag_span(path: Path, text: str, tag) -> GoldSpan:
    ident = tag.get("id")
    label = tag.get("TYPE") or tag.tag

    def bad(message: str) -> GoldFormatError:
        needle = f'id="{ident}"' if ident else f"<{tag.tag}"
        return GoldFormatError(path, f"<{tag.tag} id={ident!r}>: {message}", line=_line_of(path, needle))

    try:
        start, end = int(tag.get("start", "")), int(tag.get("end", ""))
    except ValueError:
        raise bad(f"start/end must be integers, got {tag.get('start')!r}/{tag.get('end')!r}") from None
    in_range = 0 <= start <= end <= len(text)
    stated = tag.get("text")
    if stated is None:
        if not in_range:
            raise bad(f"offsets {start}-{end} outside the text ({len(text)} characters)")
    elif not in_range or normalize(text[start:end]) != normalize(stated):
        found = _nearest(text, stated, start)
        if found < 0:
            raise bad(f"text {stated!r} is neither at {start}-{end} nor anywhere in <TEXT>")
        _log.warning("%s: %s %r found at %d, not at its stated offset %d", path, ident, stated, found, start)
        start, end = found, found + len(stated)
    return labelled_span(start, end, text[start:end], label, category=tag.tag)


def _nearest(text: str, stated: str, near: int) -> int:
    """The occurrence of `stated` nearest to `near`, or -1."""
    best = -1
    at = text.find(stated)
    while at >= 0:
        if best < 0 or abs(at - near) < abs(best - near):
            best = at
        at = text.find(stated, at + 1)
    return best


def _read_2006(path: Path, name: str, records) -> list[GoldDocument]:
    documents = []
    for index, record in enumerate(records):
        pieces: list[str] = [record.find("TEXT").text or ""]
        spans: list[GoldSpan] = []
        for child in record.find("TEXT"):
            # Offsets come from the text as rebuilt here: the file has none.
            start = sum(len(p) for p in pieces)
            inner = "".join(child.itertext())
            pieces.append(inner)
            if child.tag == "PHI":
                label = child.get("TYPE")
                if not label:
                    raise GoldFormatError(path, f"<PHI> without TYPE around {inner!r}",
                                          line=_line_of(path, f">{inner}</PHI>"))
                spans.append(labelled_span(start, start + len(inner), inner, label))
            pieces.append(child.tail or "")
        suffix = record.get("ID") or str(index + 1)
        documents.append(GoldDocument(name=name if len(records) == 1 else f"{name}#{suffix}",
                                      text="".join(pieces), pdf_path=None, spans=spans, source=path,
                                      format="i2b2-2006"))
    return documents
