"""Token tagging: every paragraph labelled token by token in its context, in batched calls.

The tagger (the classifier's token head behind the embedder's per-token vectors) sees whole
paragraphs, so it finds what the candidate rules never propose (a building number alone, a
name in lower case, an organisation inside a sentence) and judges capitalised words by their
context (CABG in "s/p CABG x3" is not a name). It is injected as a plain function from a list
of texts to the spans found in each, so the same code runs against the classifier service or
an in-process head. Paragraph texts repeat (headers, footers, boilerplate), so each distinct
text is tagged once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Sequence

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaggedSpan:
    """Characters [start, end) of a paragraph's text labelled `type` with probability `score`."""

    start: int
    end: int
    type: str
    score: float


Tagger = Callable[[Sequence[str]], list[list[TaggedSpan]]]


# A paragraph longer than this goes to the tagger in overlapping pieces (the classifier bounds a
# text's length); the overlap gives a name at a cut its sentence on one side or the other.
MAX_CHARS = 900
OVERLAP_CHARS = 150


def tag_texts(texts: Sequence[str], tagger: Tagger, batch_size: int,
              max_chars: int = MAX_CHARS) -> list[tuple[TaggedSpan, ...]]:
    """The tagger's spans for each text, each distinct non-blank text sent once, `batch_size` pieces a call.

    Spans are widened to whole words: a name cut inside a word would leave part of it readable.
    """
    distinct = list(dict.fromkeys(t for t in texts if t.strip()))
    pieces = [(text, offset, piece) for text in distinct for offset, piece in _pieces(text, max_chars)]
    found: dict[str, list[TaggedSpan]] = {text: [] for text in distinct}
    for start in range(0, len(pieces), max(1, batch_size)):
        batch = pieces[start:start + batch_size]
        answers = tagger([piece for _, _, piece in batch])
        if len(answers) != len(batch):
            raise ValueError(f"the tagger answered {len(answers)} results for {len(batch)} texts")
        for (text, offset, piece), spans in zip(batch, answers):
            for s in spans:
                if 0 <= s.start < s.end <= len(piece):
                    span = _long_enough(text, _whole_words(text, TaggedSpan(offset + s.start, offset + s.end,
                                                                            s.type, s.score)))
                    if span is not None:
                        found[text].append(span)
    _log.debug("tagged %d distinct paragraphs in %d pieces", len(distinct), len(pieces))
    return [_distinct(found[t]) if t in found else () for t in texts]


def _pieces(text: str, max_chars: int) -> list[tuple[int, str]]:
    """(offset, piece) covering `text` in pieces of at most `max_chars`, cut at whitespace, overlapping."""
    if len(text) <= max_chars:
        return [(0, text)]
    out = []
    start = 0
    while start < len(text):
        end = min(len(text), start + max_chars)
        if end < len(text):
            cut = text.rfind(" ", start + max_chars // 2, end)
            end = cut if cut > start else end
        out.append((start, text[start:end]))
        if end >= len(text):
            break
        nxt = text.find(" ", max(start + 1, end - OVERLAP_CHARS), end)
        start = nxt + 1 if nxt != -1 else end
    return out


def _distinct(spans: list[TaggedSpan]) -> tuple[TaggedSpan, ...]:
    """One span per place: where overlapping pieces both found it, the surer one."""
    best: dict[tuple[int, int], TaggedSpan] = {}
    for s in spans:
        key = (s.start, s.end)
        if key not in best or s.score > best[key].score:
            best[key] = s
    return tuple(sorted(best.values(), key=lambda s: (s.start, s.end)))


# A span of fewer letters and digits than this says nothing on its own ("1" of "Bed 1") and cannot be
# removed and verified as a string (the redactor would look for "1" everywhere on the page).
MIN_CHARS = 3


def _long_enough(text: str, span: TaggedSpan) -> TaggedSpan | None:
    """The span, or with the word before it when it is too short alone ("Bed 1", "Apt 4"); None if still short."""
    if span.end <= span.start:
        return None
    if _alnum(text[span.start:span.end]) >= MIN_CHARS:
        return span
    before = text.rfind(" ", 0, max(0, span.start - 1))
    start = before + 1 if before != -1 else 0
    if start < span.start and "\n" not in text[start:span.start] and _alnum(text[start:span.end]) >= MIN_CHARS:
        return TaggedSpan(start, span.end, span.type, span.score)
    return None


def _alnum(text: str) -> int:
    return sum(c.isalnum() for c in text)


def _whole_words(text: str, span: TaggedSpan) -> TaggedSpan:
    start, end = span.start, span.end
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    # Punctuation at the edges is no part of an identifier, and a span that opens or closes with a
    # run of it ("-----Reply-----") cannot be told apart from the rules around it on the page.
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    if (start, end) == (span.start, span.end):
        return span
    return TaggedSpan(start, end, span.type, span.score) if start < end else TaggedSpan(span.start, span.start, span.type, 0.0)
