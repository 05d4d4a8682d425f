"""Scores a de-identifier by its output alone, as an independent evaluator would: which gold words are gone from the redacted PDF.

Tokens are the original PDF's words (MuPDF's split on white space; punctuation-only words are
ignored). A word is removed when the redacted PDF shows no word with the same text at the
same place on the same page. Gold spans are located onto words (see `locate`), and:

- recall of a gold type = its gold words removed / its gold words;
- precision = removed words that are gold / removed words, overall; per predicted type when
  the report's entities are given (a removed word takes the type of the entity whose box
  overlaps it most, UNTYPED when none does), counting a word correct when gold of that type;
- F2 = 5PR / (4P + R), recall weighted over precision as a privacy evaluation should;
- words of neutral gold only (see `neutral`) count neither as misses nor as false positives;
- a leak is a gold string (not neutral) with any word still readable in place, or, for one
  not located in the input, found anywhere in the output's text; a metadata leak is one found
  in the output's metadata, XMP, annotations, attachments, outline or form fields.

An image copy (a scan, an OCR'd scan; see `copies`) has the original's words at the same places
but shows them in pixels: a word counts only when OCR of the copy as given reads it in place
(the others are counted as unreadable and left out of every figure), and it is removed when
neither the OCR of the output's pixels nor the output's text layer reads it there any more
(see `pixels`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any, Sequence

import pymupdf

from tools.evaluation import metadata
from tools.evaluation.documents import GoldSpan
from tools.evaluation.locate import NotePositions, Stream, find_all, find_nearest, key, stream
from tools.evaluation.pixels import ocr_words, read_flags
from tools.evaluation.report import format_report, to_json
from tools.evaluation.results import UNTYPED, Counts, DocumentScore, EvaluationResult, Leak, aggregate, f2, precision, recall
from tools.evaluation.words import Box, NotAPdfError, Word, open_pdf, overlap, pdf_words, removed_flags

_log = logging.getLogger(__name__)

# The results and the formatter are part of what "score" offers its callers.
__all__ = ["Counts", "DocumentScore", "EvaluationResult", "Leak", "NotAPdfError", "UNTYPED", "aggregate", "f2", "format_report",
           "precision", "recall", "score_document", "to_json"]


def _locate(words: Sequence[Word], spans: Sequence[GoldSpan], text: str | None
            ) -> tuple[list[tuple[GoldSpan, int, list[int]]], list[GoldSpan]]:
    """(span, page, word indices) for every occurrence of every span, and the spans never found."""
    occurrences: list[tuple[GoldSpan, int, list[int]]] = []
    unlocated: list[GoldSpan] = []
    by_offset = sorted((s for s in spans if s.located_by_offset), key=lambda s: (s.start, s.end))
    if by_offset:
        whole = stream(words, range(len(words)))
        positions = NotePositions(text, len(whole.key)) if text is not None else None
        for span in by_offset:
            expected = positions.expected(span.start) if positions else 0.0
            found: list[int] = []
            for part in span.strings:
                needle = key(part)
                hit = find_nearest(whole, needle, expected)
                if hit is None:
                    found = []
                    break
                found.extend(whole.words_at(hit, len(needle)))
                expected = hit + len(needle)      # the next fragment follows this one
            if found:
                occurrences.append((span, words[found[0]].page, found))
            else:
                unlocated.append(span)
    by_page = [s for s in spans if not s.located_by_offset]
    if by_page:
        streams = _page_streams(words)
        for span in by_page:
            pages = [span.page] if span.page is not None else sorted(streams)
            before = len(occurrences)
            for page in pages:
                s = streams.get(page)
                for part in span.strings if s else ():
                    needle = key(part)
                    occurrences.extend((span, page, s.words_at(hit, len(needle))) for hit in find_all(s, needle))
            if len(occurrences) == before:
                unlocated.append(span)
    return occurrences, unlocated


def _predicted_type(word: Word, entities: Sequence[tuple[int, Box, str]]) -> str:
    best, best_area = UNTYPED, 0.0
    for page, box, type_ in entities:
        if page == word.page:
            area = overlap(word.box, box)
            if area > best_area:
                best, best_area = type_, area
    return best


def _entity_boxes(entities: Sequence[dict[str, Any]]) -> list[tuple[int, Box, str]]:
    out = []
    for e in entities:
        bbox, page = e.get("bbox"), e.get("page")
        if bbox is None or page is None:
            continue
        x0, y0, x1, y1 = (float(v) for v in bbox)
        out.append((int(page), (x0, y0, x1, y1), str(e.get("type", UNTYPED))))
    return out


def _page_streams(words: Sequence[Word]) -> dict[int, Stream]:
    indices: dict[int, list[int]] = defaultdict(list)
    for i, w in enumerate(words):
        indices[w.page].append(i)
    return {page: stream(words, idx) for page, idx in sorted(indices.items())}


def _found_in(streams: dict[int, Stream], span: GoldSpan) -> int | None:
    """The first page whose words spell every piece of `span`, or None."""
    for page, s in streams.items():
        if all(find_all(s, key(part)) for part in span.strings):
            return page
    return None


def _image_copy_flags(words: Sequence[Word], given: bytes, output: pymupdf.Document, name: str
                      ) -> tuple[list[bool], list[bool], list[Word]]:
    """(readable in the copy given, removed from the output, the output's words as a reader sees them)
    for the original's `words`, when an image copy of it was given to the de-identifier."""
    with open_pdf(given, f"the copy given for {name}") as copy:
        readable = read_flags(words, ocr_words(copy))
    shown = ocr_words(output) + pdf_words(output)
    return readable, [not kept for kept in read_flags(words, shown)], shown


def score_document(original: bytes, redacted: bytes, spans: Sequence[GoldSpan], *,
                   entities: Sequence[dict[str, Any]] | None = None, name: str = "", text: str | None = None,
                   area: Box | None = None, given: bytes | None = None) -> DocumentScore:
    """Scores of one document from its input and output PDFs.

    `spans` are its gold; `entities` the report's (dicts with page, bbox, type), if any;
    `text` the note a PDF was rendered from, whose offsets tell repeated strings apart;
    `area` limits the words read to a region of every page (a rendered note's body);
    `given` is the image copy of `original` the de-identifier was given (scanned or OCR'd),
    None when it was given `original` itself.
    Raises NotAPdfError when either side is not a PDF.
    """
    result = DocumentScore(name=name, typed=entities is not None)
    with open_pdf(original, f"the input of {name}") as source, open_pdf(redacted, f"the output for {name}") as output:
        words = pdf_words(source, area)
        if given is None:
            readable, removed, shown = [True] * len(words), removed_flags(words, output), None
        else:
            readable, removed, shown = _image_copy_flags(words, given, output, name)
        occurrences, unlocated = _locate(words, spans, text)
        gold_types: list[set[str]] = [set() for _ in words]
        neutral_only = [False] * len(words)
        for span, _, idx in occurrences:
            for i in idx:
                if span.neutral:
                    neutral_only[i] = True
                else:
                    gold_types[i].add(span.type)
        boxes = _entity_boxes(entities or ())
        c = result.counts
        for i, word in enumerate(words):
            if not word.countable:
                continue
            if not readable[i]:
                c.unreadable_tokens += 1
                c.unreadable_gold += bool(gold_types[i])
                continue
            c.tokens += 1
            types, gone = gold_types[i], removed[i]
            if types:
                c.gold_tokens += 1
                c.gold_removed += gone
                for t in types:
                    c.gold_by_type[t] += 1
                    c.gold_removed_by_type[t] += gone
            elif neutral_only[i]:
                c.neutral_tokens += 1
                c.neutral_removed += gone
                continue
            if not gone:
                continue
            c.removed_tokens += 1
            c.removed_gold += bool(types)
            if entities is not None:
                predicted = _predicted_type(word, boxes)
                c.predicted_by_type[predicted] += 1
                c.correct_by_type[predicted] += predicted in types
                c.gold_any_by_type[predicted] += bool(types)
        seen: set[tuple[str, str, str]] = set()
        for span, page, idx in occurrences:
            if span.neutral or all(removed[i] or not words[i].countable or not readable[i] for i in idx):
                continue
            leak = Leak(name, span.text, span.type, f"page {page}")
            if (leak.text, leak.type, leak.where) not in seen:
                seen.add((leak.text, leak.type, leak.where))
                result.leaks.append(leak)
        # A string the input's words did not spell (an odd extraction) is still a leak when the
        # output's words spell it.
        output_streams = _page_streams(pdf_words(output, area) if shown is None else shown) if unlocated else {}
        for span in unlocated:
            page = None if span.neutral else _found_in(output_streams, span)
            if page is not None:
                result.leaks.append(Leak(name, span.text, span.type, f"page {page} (not located in the input)"))
            else:
                result.unlocated.append((span.text, span.type))
        strings = [(s.text, s.type) for s in spans if not s.neutral]
        result.metadata_leaks = [Leak(name, t, ty, where) for t, ty, where in metadata.find_leaks(output, strings)]
    if result.unlocated:
        _log.warning("%s: %d gold strings not found in the input PDF (first: %r)", name, len(result.unlocated),
                     result.unlocated[0][0])
    return result
