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


def tag_texts(texts: Sequence[str], tagger: Tagger, batch_size: int) -> list[tuple[TaggedSpan, ...]]:
    """The tagger's spans for each text, each distinct non-blank text sent once, `batch_size` texts a call.

    Spans are widened to whole words: a name cut inside a word would leave part of it readable.
    """
    distinct = list(dict.fromkeys(t for t in texts if t.strip()))
    found: dict[str, tuple[TaggedSpan, ...]] = {}
    for start in range(0, len(distinct), max(1, batch_size)):
        batch = distinct[start:start + batch_size]
        answers = tagger(batch)
        if len(answers) != len(batch):
            raise ValueError(f"the tagger answered {len(answers)} results for {len(batch)} texts")
        for text, spans in zip(batch, answers):
            found[text] = tuple(_whole_words(text, s) for s in spans if 0 <= s.start < s.end <= len(text))
    _log.debug("tagged %d distinct paragraphs", len(distinct))
    return [found.get(t, ()) for t in texts]


def _whole_words(text: str, span: TaggedSpan) -> TaggedSpan:
    start, end = span.start, span.end
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if (start, end) == (span.start, span.end):
        return span
    return TaggedSpan(start, end, span.type, span.score)
