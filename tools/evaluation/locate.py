"""Finds gold strings among a PDF's words, robust to line wrapping, hyphenation and ligatures.

Words are compared in a key space: folded (NFKC, casefold) with all white space dropped, so
"Maria" at the end of one line and "Gonzalez" at the start of the next still spell
"mariagonzalez", and a line-final hyphen is dropped when it splits a word ("Kuz-" / "netsova").
A match must start and end at word boundaries: "Ann" is not found inside "Annual".
"""

from __future__ import annotations

import bisect
import logging
import unicodedata
from dataclasses import dataclass, field
from typing import Sequence

from tools.evaluation.words import Word
from veil.contracts import fold

_log = logging.getLogger(__name__)

_HYPHENS = "-\u2010\u2011"
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))


def key(text: str) -> str:
    """The comparison form of a string: folded, without white space or invisible characters."""
    return "".join(fold(text).translate(_INVISIBLE).split())


@dataclass
class Stream:
    """Words concatenated in key space, with the word each key character belongs to."""

    key: str = ""
    owner: list[int] = field(default_factory=list)
    starts: set[int] = field(default_factory=set)
    ends: set[int] = field(default_factory=set)

    def words_at(self, start: int, length: int) -> list[int]:
        """The words (as indices given to `stream`) that the key range covers, in order."""
        return list(dict.fromkeys(self.owner[start:start + length]))


def _splits_word(word: Word, following: Word | None, k: str) -> bool:
    """A line-final hyphen between a letter and a lower-case continuation is hyphenation, not
    part of the text ("555-" / "1234" keeps its hyphen)."""
    return (following is not None and len(k) >= 2 and k[-1] in _HYPHENS and k[-2].isalpha()
            and (following.page, following.line) != (word.page, word.line) and following.text[:1].islower())


def stream(words: Sequence[Word], indices: Sequence[int]) -> Stream:
    """The stream of `words[i]` for i in `indices`, in that order."""
    out = Stream()
    parts: list[str] = []
    length = 0
    for pos, i in enumerate(indices):
        word = words[i]
        k = key(word.text)
        following = words[indices[pos + 1]] if pos + 1 < len(indices) else None
        if _splits_word(word, following, k):
            k = k[:-1]
        if not k:
            continue
        out.starts.add(length)
        parts.append(k)
        out.owner.extend([i] * len(k))
        length += len(k)
        out.ends.add(length)
    out.key = "".join(parts)
    return out


def _at_boundaries(s: Stream, start: int, end: int) -> bool:
    k = s.key
    start_ok = start in s.starts or not k[start - 1].isalnum() or not k[start].isalnum()
    end_ok = end in s.ends or not k[end - 1].isalnum() or not k[end].isalnum()
    return start_ok and end_ok


def find_all(s: Stream, needle: str) -> list[int]:
    """Every start of `needle` (a key) in the stream at word boundaries, overlaps included."""
    hits: list[int] = []
    if not needle:
        return hits
    at = s.key.find(needle)
    while at >= 0:
        if _at_boundaries(s, at, at + len(needle)):
            hits.append(at)
        at = s.key.find(needle, at + 1)
    return hits


def find_nearest(s: Stream, needle: str, expected: float) -> int | None:
    """The occurrence of `needle` nearest to key position `expected`, or None."""
    hits = find_all(s, needle)
    return min(hits, key=lambda h: abs(h - expected)) if hits else None


class NotePositions:
    """Where a character offset of the note falls in key space, to pick among repeated strings
    the occurrence the gold means ("Smith" labelled at offset 500, unlabelled at 100)."""

    def __init__(self, text: str, stream_length: int):
        self._offsets: list[int] = []
        for i, ch in enumerate(text):
            folded = unicodedata.normalize("NFKC", ch).casefold().translate(_INVISIBLE)
            self._offsets.extend([i] * len("".join(folded.split())))
        # Per-character folding may differ a little from folding whole words; scale so an
        # offset near the end of the note still lands near the end of the stream.
        self._scale = stream_length / len(self._offsets) if self._offsets else 1.0

    def expected(self, offset: int) -> float:
        return bisect.bisect_left(self._offsets, offset) * self._scale
