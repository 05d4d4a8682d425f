"""Verification: re-read the redacted PDF every way we can and report any redacted string still recoverable.

For each page that had redactions the output is read back as plain text, dehyphenated text,
words and PyMuPDF's own search, and its raw content streams (decompressed, with the string
operands of the text operators decoded) are searched too; the rest of the file (every
other object and stream but fonts and images, metadata, XMP) is searched for every
redacted string. Strings match as whole words, case-insensitively, across line breaks and
ligatures. An area redacted by box must have no text left inside it.

Leaks name the span, the page and where the string was found, never the string itself.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Mapping, Sequence

import pymupdf

from services.redactor import pdf
from services.redactor.limits import Deadline
from services.redactor.locate import PageLocator
from veil.contracts import fold

_LABEL = re.compile(r"\[[A-Z][A-Z0-9_-]*\]")
_SPACES = re.compile(r"\s+")
_LINE_END_HYPHEN = re.compile(r"-[ \t]*\r?\n[ \t]*")
# String operands in PDF syntax: literal strings (one level of nested parentheses) and hex strings,
# the operators that show them, and the negative numbers of three digits or more, which inside a
# TJ array can be a gap between words (_WORD_GAP); not every number: a content stream is mostly
# coordinates, and each token costs a step in Python.
_TOKENS = re.compile(rb"\((?:\\.|[^\\()]|\((?:\\.|[^\\()])*\))*\)|<[0-9A-Fa-f\s]*>(?!>)|<<|\]|TJ|Tj|'|\"|-\d{3,}(?:\.\d*)?",
                     re.DOTALL)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}
_WORD_GAP = -200  # a TJ adjustment this negative (thousandths of an em) is a space between words
_SKIPPED_STREAMS = ("/Subtype/Image", "/Subtype /Image", "/Length1", "/Length2", "/Length3", "/Type/XRef",
                    "/Subtype/Type1C", "/Subtype/CIDFontType0C", "/Subtype/OpenType", "/Type/ObjStm")


@dataclass(frozen=True)
class Check:
    """One thing that must not be recoverable: a span's text (on a page or everywhere) or any text in a box."""

    span: int
    page: int | None
    text: str | None = None
    box: pymupdf.Rect | None = None


@functools.lru_cache(maxsize=4096)
def _pattern(text: str) -> re.Pattern | None:
    """A whole-word pattern over case-folded text (`_clean`) that spans whitespace and hyphen differences."""
    needle = fold(text)
    if not any(c.isalnum() for c in needle):
        return None
    parts = []
    for token in needle.split(" "):
        # A hyphen may have been dropped by dehyphenation ("Smith-" + "Jones" -> "SmithJones").
        parts.append(r"-?\s*".join(re.escape(piece) for piece in token.split("-")))
    body = r"\s*".join(parts)
    first, last = needle[0], needle[-1]
    after = r"(?![^\W\d_])" if last.isalpha() else r"(?!\d)" if last.isdigit() else ""
    if first.isalpha() or first.isdigit():
        # The whole-word test on the left comes after the first character, as a lookbehind over
        # both: a pattern that opens with a literal gets re's fast scan for it, one that opens with
        # an assertion is tried at every position. No IGNORECASE: every text searched is case-folded.
        head = re.escape(first)
        before = rf"(?<![^\W\d_]{head})" if first.isalpha() else rf"(?<!\d{head})"
        return re.compile(head + before + body[len(head):] + after)
    return re.compile(body + after)


def _clean(text: str) -> str:
    return fold(text)


def _page_texts(page: pymupdf.Page, actual_text: bool = True) -> dict[str, str]:
    """The page's text as several extraction modes give it (ligatures are expanded by NFKC in _clean too).

    `actual_text`: whether the document has ActualText anywhere. Without it, what a viewer
    copies is the glyphs' text that the other modes read already, and a second text page
    (half a millisecond a page) would only repeat them.
    """
    plain = pdf.textpage(page, pdf.EXTRACT_FLAGS | pymupdf.TEXT_PRESERVE_LIGATURES)
    text = plain.extractText()
    texts = {
        "text": _clean(text),
        # The glyphs' text with hyphenated words joined, as MuPDF's search reads it.
        "dehyphenated": _clean(_LINE_END_HYPHEN.sub("", text)),
        "words": _clean(" ".join(w[4] for w in plain.extractWORDS())),
        "blocks": _clean(" ".join(b[4] for b in plain.extractBLOCKS())),
    }
    if actual_text:
        # What a viewer copies: ActualText replacing the glyphs, hyphenated words joined.
        reader = pdf.textpage(page, pdf.SEARCH_FLAGS & ~pymupdf.TEXT_IGNORE_ACTUALTEXT)
        texts["actualtext-dehyphenated"] = _clean(reader.extractText())
    return texts


def _objects_mention_actual_text(doc: pymupdf.Document) -> bool:
    """Whether an object of the document (a /Properties resource of marked content, a structure element)
    mentions ActualText; content streams are checked page by page. Scrubbed output has none."""
    for xref in range(1, doc.xref_length()):
        try:
            if "ActualText" in doc.xref_object(xref, compressed=True):
                return True
        except (RuntimeError, ValueError, pymupdf.mupdf.FzErrorBase):
            return True   # unreadable: assume it may, and read the pages both ways
    return False


def _literal(raw: bytes) -> bytes:
    out = bytearray()
    i = 1
    end = len(raw) - 1
    while i < end:
        c = raw[i:i + 1]
        if c != b"\\":
            out += c
            i += 1
            continue
        nxt = raw[i + 1:i + 2]
        if nxt in _ESCAPES:
            out += _ESCAPES[nxt]
            i += 2
        elif nxt.isdigit():
            digits = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
            if digits:
                out.append(int(digits.group(0), 8) & 0xFF)
                i += 1 + len(digits.group(0))
            else:
                i += 2
        elif nxt in (b"\n", b"\r"):
            i += 2
        else:
            out += nxt
            i += 2
    return bytes(out)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be", "ignore")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "ignore")
    return data.decode("latin-1")


def pdf_strings(source: bytes) -> str:
    """The text of the string operands in PDF syntax (a content stream or an object), in order.

    Strings shown by one operator run together (a TJ array's pieces form a word); separate
    operators and wide TJ gaps become spaces.
    """
    out: list[str] = []
    for m in _TOKENS.finditer(source):
        token = m.group(0)
        first = token[:1]
        if first == b"(":
            out.append(_decode(_literal(token)))
        elif first == b"<" and token != b"<<":
            hexdigits = re.sub(rb"\s", b"", token[1:-1])
            if len(hexdigits) % 2:
                hexdigits += b"0"
            out.append(_decode(bytes.fromhex(hexdigits.decode("ascii"))))
        elif token in (b"TJ", b"Tj", b"'", b'"', b"]"):
            out.append(" ")
        elif first == b"-":
            try:
                if float(token) <= _WORD_GAP:
                    out.append(" ")
            except ValueError:
                pass
    return "".join(out)


def _page_streams(doc: pymupdf.Document, page: pymupdf.Page) -> tuple[list[int], str, bool]:
    """The page's content streams and form XObjects: their xrefs, their decoded strings, and whether
    any of them has inline ActualText."""
    xrefs = list(page.get_contents())
    xrefs += [x[0] for x in page.get_xobjects() if x[0] > 0]
    texts = []
    actual_text = False
    for xref in dict.fromkeys(xrefs):
        try:
            data = doc.xref_stream(xref) or b""
        except (RuntimeError, ValueError, pymupdf.mupdf.FzErrorBase):
            actual_text = True   # unreadable: read the page both ways
            continue
        texts.append(pdf_strings(data))
        actual_text = actual_text or b"ActualText" in data
    return xrefs, _clean(" ".join(texts)), actual_text


def _document_strings(doc: pymupdf.Document, page_xrefs: set[int]) -> tuple[str, str]:
    """Text anywhere outside the pages' content: (the string operands of every object and stream, with
    the metadata and XMP; the raw bytes of every non-font, non-image stream)."""
    strings: list[str] = [" ".join(str(v) for v in (doc.metadata or {}).values() if v), doc.get_xml_metadata() or ""]
    raw: list[str] = []
    for xref in range(1, doc.xref_length()):
        try:
            source = doc.xref_object(xref, compressed=True)
        except (RuntimeError, ValueError, pymupdf.mupdf.FzErrorBase):
            continue
        strings.append(pdf_strings(source.encode("latin-1", "replace")))
        if xref in page_xrefs or not doc.xref_is_stream(xref):
            continue
        squeezed = source.replace(" ", "")
        if any(marker.replace(" ", "") in squeezed for marker in _SKIPPED_STREAMS):
            continue
        try:
            data = doc.xref_stream(xref) or b""
        except (RuntimeError, ValueError, pymupdf.mupdf.FzErrorBase):
            continue
        strings.append(pdf_strings(data))
        raw.append(data.decode("latin-1"))
    return _clean(" ".join(strings)), _clean(" ".join(raw))


def _box_text(locator: PageLocator, box: pymupdf.Rect) -> str:
    text = "".join(ch.c for row in locator.chars for ch in row
                   if box.x0 <= ch.cx <= box.x1 and box.y0 <= ch.cy <= box.y1)
    return _LABEL.sub("", text)


def verify(doc: pymupdf.Document, checks: Sequence[Check], deadline: Deadline | None = None,
           pixels: Mapping[int, str] | None = None) -> list[dict]:
    """Leaks in the redacted document `doc` (opened from the saved bytes): [] when it is clean.

    `pixels`: what pages say when rendered and OCR'd ({page number: text}), searched like
    their text (`found_in: "pixels"`).

    A redacted string is looked for on every page, not only on its span's page: found
    anywhere in the output it is still recoverable (`elsewhere` marks a find on a page the
    span did not name). Boxes are checked on their own page.
    """
    leaks: list[dict] = []
    needles: dict[str, list[Check]] = {}
    for check in checks:
        if check.text is not None and _pattern(check.text) is not None:
            needles.setdefault(check.text, []).append(check)
    patterns = {text: _pattern(text) for text in needles}
    # A needle's longest run of letters or digits must be in a text before its pattern is tried:
    # a substring test is far cheaper than a pattern, and a clean page fails nearly all of them.
    cores = {text: max(re.findall(r"[^\W_]+", fold(text)), key=len) for text in needles}
    boxes: dict[int, list[Check]] = {}
    for check in checks:
        if check.box is not None and check.page is not None:
            boxes.setdefault(check.page, []).append(check)
    found: set[tuple[int, int]] = set()

    def report(text: str, number: int | None, where: str) -> None:
        for check in needles[text]:
            if (check.span, number or 0) in found:
                continue
            found.add((check.span, number or 0))
            leaks.append({"span": check.span, "page": number, "found_in": where,
                          "elsewhere": number is not None and check.page is not None and check.page != number})

    with_letters = {text for text in needles if any(c.isalpha() for c in text)}

    def scan(texts: dict[str, str], number: int | None, letters_only: bool = False) -> None:
        distinct: dict[str, str] = {}   # the extraction modes often agree exactly; a string is searched once
        for where, text in texts.items():
            distinct.setdefault(text, where)
        # One substring test per needle over all of the page's texts at once (a clean page fails
        # nearly all of them), then the texts one by one for the few needles that passed.
        joined = "\x00".join(distinct)
        for needle, p in patterns.items():
            if (letters_only and needle not in with_letters) or cores[needle] not in joined:
                continue
            for text, where in distinct.items():
                if cores[needle] in text and p.search(text):
                    report(needle, number, where)

    page_xrefs: set[int] = set()
    objects_actual_text = bool(patterns) and _objects_mention_actual_text(doc)
    for index in range(doc.page_count):
        number = index + 1
        if deadline is not None:
            deadline.check(f"verification of page {number}")
        page = doc[index]
        with pdf.mupdf_errors(f"verification of page {number}"):
            xrefs, streams, inline_actual_text = _page_streams(doc, page)
            texts = _page_texts(page, objects_actual_text or inline_actual_text) if patterns else {}
            page_xrefs.update(xrefs)
            texts["content-stream"] = streams
            if pixels and number in pixels:
                texts["pixels"] = fold(pixels[number])
            scan(texts, number)
            page_boxes = boxes.get(number, [])
            if page_boxes:
                locator = PageLocator(page)
                for check in page_boxes:
                    if any(c.isalnum() for c in _box_text(locator, check.box)):
                        leaks.append({"span": check.span, "page": number, "found_in": "box", "elsewhere": False})
    if deadline is not None:
        deadline.check("verification of the document's objects")
    with pdf.mupdf_errors("verification of the document's objects"):
        strings, raw = _document_strings(doc, page_xrefs)
    scan({"document-objects": strings}, None)
    # Raw stream bytes (XMP, scripts, anything left as plain text) are full of numbers (functions,
    # CMaps): only strings with a letter are looked for there, or an age of 92 would always "leak".
    scan({"document-streams": raw}, None, letters_only=True)
    return leaks
