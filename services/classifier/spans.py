"""Token heads' inputs and outputs: a token's features, how tokens become spans, how spans label tokens.

One module for both directions so that training labels tokens, feeds the head and scores its
held-out rows with exactly the rules the service answers with:

- Input: a token's vector followed by its neighbours' (`context` on each side: -1, +1, -2, +2,
  ...), zeros beyond the text's ends. The embedder's token vectors come from a model trained
  for pooled sentence vectors, so a token's own vector says little about where an entity
  starts or ends; its neighbours do.
- IO tags: a token is "O" or an entity type. A token that overlaps a span by even one character
  takes the span's type (WordPiece tokens rarely cross a span edge; when one does, redacting the
  whole token is the safe side).
- One label per word: the tokens of a word (touching tokens, i.e. no character between them,
  except punctuation at the word's start or end, which stays alone) share the mean of their
  label probabilities. Without it a surname in a script the vocabulary knows badly (Greek,
  Cyrillic: a token per letter or two) or a long number comes out as pieces of several types.
  Characters of scripts written without spaces (CJK, kana, Thai, Lao, Khmer, Myanmar) stay
  one unit each, as the tokeniser splits them.
  (Held-out exact span F1 of phi-tagger in the experiments behind its config: 0.31 from a
  token's own vector, 0.62 with 4 neighbours on each side, 0.78 with one label per word too.)
- Consecutive tokens with the same non-O label form one span, from the first token's start to
  the last one's end (whitespace between them included); its score is the mean probability of
  that label over its tokens.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

OUTSIDE = "O"
_SCORE_DIGITS = 6
# Scripts written without spaces between words: their characters are never joined into one word.
_UNSPACED = ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x3040, 0x30FF), (0x3400, 0x4DBF),
             (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))


def input_width(dimension: int, context: int) -> int:
    """The head's input size: the token's vector and `context` neighbours on each side."""
    return dimension * (2 * context + 1)


def with_context(vectors: np.ndarray, text_of: np.ndarray, tokens: np.ndarray, context: int) -> np.ndarray:
    """float32 [len(tokens), dim x (2 context + 1)]: each token's vector, then its neighbours' (-1, +1, -2, ...).

    `vectors` are all tokens of consecutive texts (any float dtype, a memmap is fine);
    `text_of[i]` says which text token i belongs to, so no neighbour crosses into another text.
    """
    tokens = np.asarray(tokens, dtype=np.int64)
    base = np.asarray(vectors[tokens], dtype=np.float32)
    if context == 0:
        return base
    n, dim = len(vectors), base.shape[1]
    out = np.zeros((len(tokens), dim * (2 * context + 1)), np.float32)
    out[:, :dim] = base
    column = dim
    for offset in range(1, context + 1):
        for sign in (-1, 1):
            neighbour = tokens + sign * offset
            inside = (neighbour >= 0) & (neighbour < n)
            inside[inside] &= text_of[neighbour[inside]] == text_of[tokens[inside]]
            if inside.any():
                out[inside, column:column + dim] = vectors[neighbour[inside]]
            column += dim
    return out


def _unspaced(ch: str) -> bool:
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _UNSPACED)


def word_units(text: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """A unit id per token (non-decreasing from 0): tokens of one word share one (see the module's rules)."""
    n = len(starts)
    units = np.zeros(n, dtype=np.int64)
    if n == 0:
        return units
    s, e = [int(x) for x in starts], [int(x) for x in ends]
    punct = [not any(ch.isalnum() for ch in text[a:b]) for a, b in zip(s, e)]
    unit = -1
    i = 0
    while i < n:
        j = i + 1
        while j < n and e[j - 1] == s[j] and not _unspaced(text[s[j]]) and not _unspaced(text[e[j - 1] - 1]):
            j += 1
        first, last = i, j  # tokens i..j-1 touch one another: one word, less punctuation at its edges
        while first < last and punct[first]:
            unit += 1
            units[first] = unit
            first += 1
        tail = last
        while tail > first and punct[tail - 1]:
            tail -= 1
        if first < tail:
            unit += 1
            units[first:tail] = unit
        for k in range(tail, last):
            unit += 1
            units[k] = unit
        i = j
    return units


def by_word(probabilities: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Each token's probabilities replaced by the mean over its word's tokens."""
    if len(units) == 0 or units[-1] == len(units) - 1:
        return probabilities  # every token is its own word
    sums = np.zeros((int(units[-1]) + 1, probabilities.shape[1]), np.float64)
    np.add.at(sums, units, probabilities)
    counts = np.bincount(units, minlength=len(sums))[:, None]
    return (sums / counts)[units].astype(probabilities.dtype, copy=False)


def decode(labels: Sequence[str], probabilities: np.ndarray, starts: np.ndarray, ends: np.ndarray, text: str,
           outside: str = OUTSIDE) -> list[dict[str, Any]]:
    """Spans [{"start", "end", "type", "score"}] of one text from its tokens' label probabilities."""
    if len(starts) == 0:
        return []
    probabilities = by_word(probabilities, word_units(text, starts, ends))
    ids = probabilities.argmax(axis=1)
    return [{"start": s, "end": e, "type": labels[label], "score": round(score, _SCORE_DIGITS)}
            for s, e, label, score in runs(ids, probabilities, starts, ends, labels.index(outside))]


def runs(ids: np.ndarray, probabilities: np.ndarray | None, starts: np.ndarray, ends: np.ndarray,
         outside_id: int) -> list[tuple[int, int, int, float]]:
    """(start, end, label id, mean probability) of each run of equal non-outside ids (score 1.0 without probabilities)."""
    n = len(ids)
    if n == 0:
        return []
    cuts = np.flatnonzero(np.diff(ids)) + 1
    firsts = np.concatenate(([0], cuts))
    lasts = np.concatenate((cuts, [n]))
    out = []
    for a, b in zip(firsts.tolist(), lasts.tolist()):
        label = int(ids[a])
        if label == outside_id:
            continue
        score = float(probabilities[a:b, label].mean()) if probabilities is not None else 1.0
        out.append((int(starts[a]), int(ends[b - 1]), label, score))
    return out


def token_label_ids(starts: np.ndarray, ends: np.ndarray, spans: Sequence[Mapping[str, Any]],
                    index: Mapping[str, int], outside_id: int) -> np.ndarray:
    """The label id of every token: the type of the span it overlaps, else `outside_id`.

    Spans of a type missing from `index` (a type dropped for too few examples) leave their
    tokens outside. Spans do not overlap one another; were they to, the later one wins.
    """
    out = np.full(len(starts), outside_id, dtype=np.int16)
    if len(starts) == 0:
        return out
    for span in spans:
        label = index.get(str(span["type"]))
        if label is None:
            continue
        # Tokens are in text order with non-decreasing starts and ends: two binary searches.
        first = int(np.searchsorted(ends, int(span["start"]), side="right"))
        last = int(np.searchsorted(starts, int(span["end"]), side="left"))
        if first < last:
            out[first:last] = label
    return out
