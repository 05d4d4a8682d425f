"""Propagation: an entity found once in a blob is searched for in its later paragraphs, whole and in variant forms.

Notes name a person in full once ("Maria Gonzalez") and then by parts ("Ms. Gonzalez",
"M. Gonzalez", "GONZALEZ", "Maria"), which the phrase models score lower or miss out of
context. Inside one blob (the paragraphs under one heading) those parts refer to the same
person, so they inherit the entity's type with a score a little below the original's.
Other entity types are propagated as exact repeats (any case, any spacing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from services.gateway.pipeline.patterns import PERSON

# How much of the original score a form keeps: the fuller the form, the surer the link.
_FORM_FACTOR = {"full": 1.0, "reversed": 0.97, "initial": 0.93, "surname": 0.9, "first": 0.8, "exact": 0.98}
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "md", "do", "rn", "np", "phd", "dds", "pa-c", "m.d."}
_TOO_COMMON = {w.lower() for w in ENGLISH_STOP_WORDS} | {"will", "may", "june", "april", "hope", "grace", "faith",
                                                         "joy", "bill", "mark", "rose", "art", "ray", "dean"}
_MIN_PART = 2


@dataclass(frozen=True)
class Known:
    """An entity found in an earlier (or the same) paragraph of the blob."""

    text: str
    type: str
    score: float


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    known: Known
    form: str

    @property
    def score(self) -> float:
        return round(min(0.99, self.known.score * _FORM_FACTOR[self.form]), 4)


def _words(name: str) -> list[str]:
    words = [w.strip(",") for w in name.replace("’", "'").split()]
    words = [w[:-2] if w.endswith("'s") else w for w in words]
    while words and words[-1].lower().rstrip(".") in _SUFFIXES:
        words.pop()
    return [w for w in words if w]


def _flexible(text: str) -> str:
    return r"\s+".join(re.escape(part) for part in text.split())


def _usable(part: str) -> bool:
    bare = part.rstrip(".")
    return len(bare) >= _MIN_PART and bare.lower() not in _TOO_COMMON and bare[0].isalpha()


def _person_pattern(name: str) -> str | None:
    words = _words(name)
    if not words:
        return None
    forms: list[tuple[str, str]] = [("full", f"(?i:{_flexible(' '.join(words))})")]
    names = [w for w in words if len(w.rstrip(".")) > 1]
    if len(names) >= 2:
        first, last = names[0], names[-1]
        surnames = [last] + ([p for p in last.split("-") if p] if "-" in last else [])
        forms.append(("reversed", rf"(?i:{re.escape(last)},\s*{re.escape(first)})"))
        forms.append(("initial", rf"{re.escape(first[0])}\.?\s+{re.escape(last)}|"
                                 rf"{re.escape(first)}\s+{re.escape(last[0])}\."))
        forms.append(("surname", "|".join(f"{re.escape(s)}|{re.escape(s.upper())}" for s in surnames if _usable(s))))
        if _usable(first):
            forms.append(("first", f"{re.escape(first)}|{re.escape(first.upper())}"))
    elif _usable(words[-1]):
        forms.append(("surname", f"{re.escape(words[-1])}|{re.escape(words[-1].upper())}"))
    alternatives = "|".join(f"(?P<{form}>{body})" for form, body in forms if body)
    return rf"(?<![\w.])(?:{alternatives})(?:['’]s)?(?![\w])"


def _exact_pattern(text: str) -> str | None:
    if len(text.strip()) < 3:
        return None
    return rf"(?<![\w])(?P<exact>(?i:{_flexible(text)}))(?![\w])"


@lru_cache(maxsize=8192)
def _compiled(text: str, type_: str) -> tuple[re.Pattern | None, tuple[str, ...]]:
    """The forms' regex of an entity and the case-folded words one of which any form contains.

    Cached across blobs and documents: the same names recur in every section of a record.
    """
    source = _person_pattern(text) if type_ == PERSON else _exact_pattern(text)
    if not source:
        return None, ()
    words = _words(text) if type_ == PERSON else text.split()
    keys = {w.rstrip(".").casefold() for w in words if len(w.rstrip(".")) > 1}
    keys |= {part.casefold() for w in words for part in w.split("-") if len(part) > 1}
    return re.compile(source), tuple(sorted(keys)) or (text.casefold(),)


class Propagator:
    """Remembers a blob's entities in order and finds their forms in the blob's later text."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str], Known] = {}
        self._patterns: dict[tuple[str, str], tuple[re.Pattern | None, tuple[str, ...]]] = {}

    def remember(self, text: str, type_: str, score: float) -> None:
        normal = " ".join(text.split())
        key = (normal.casefold(), type_)
        old = self._known.get(key)
        if old is None or old.score < score:
            self._known[key] = Known(normal, type_, score)
        if key not in self._patterns:
            self._patterns[key] = _compiled(normal, type_)

    def __len__(self) -> int:
        return len(self._known)

    def find(self, text: str) -> list[Found]:
        """Every form of every remembered entity in `text`, without overlaps (longest first)."""
        hits: list[Found] = []
        lowered = text.casefold()
        for key, (pattern, words) in self._patterns.items():
            # A substring test in C first: most remembered entities are absent from most paragraphs.
            if pattern is None or not any(w in lowered for w in words):
                continue
            known = self._known[key]
            for m in pattern.finditer(text):
                form = m.lastgroup or "exact"
                start, end = m.span(form)
                hits.append(Found(start, end, known, form))
        hits.sort(key=lambda f: (-(f.end - f.start), -f.score, f.start))
        chosen: list[Found] = []
        for f in hits:
            if all(f.end <= c.start or f.start >= c.end for c in chosen):
                chosen.append(f)
        return sorted(chosen, key=lambda f: f.start)
