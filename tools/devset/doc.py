"""A note under construction: text appended piece by piece, gold spans recorded as they are written.

Offsets are never computed after the fact (no searching for a surface in the finished text), so
a value that occurs twice, or inside another word, can never receive the wrong span.

A piece is one of:
  * ``str``  - plain text, not PHI;
  * ``Ent``  - a PHI value of one of Veil's entity types (a gold span);
  * ``Neg``  - text that looks like PHI but is not (a hard negative, recorded so tests can check
    that no gold span covers it: years alone, ages of 89 or less, lab values, states, countries);
  * a tuple/list of pieces.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

from veil.contracts import ENTITY_TYPES

_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class Ent:
    type: str
    text: str
    tag: str = ""  # what kind of value it is ("phone:fr", "date:mdy_dash_yy"); the coverage tests read it

    def __post_init__(self) -> None:
        # mimesis' lists hold the odd tab or double space; a surface is written on one line
        object.__setattr__(self, "text", " ".join(self.text.split()))
        if self.type not in ENTITY_TYPES:
            raise ValueError(f"unknown entity type {self.type!r}")
        if not self.text or self.text != self.text.strip() or "\n" in self.text or "\t" in self.text:
            raise ValueError(f"bad surface for {self.type}: {self.text!r}")


@dataclass(frozen=True)
class Neg:
    text: str
    kind: str  # "year", "age", "lab", "dose", "vital", "score", "state", "country"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    type: str
    text: str
    tag: str


@dataclass(frozen=True)
class NegSpan:
    start: int
    end: int
    kind: str
    text: str


@dataclass
class Doc:
    style: str
    _parts: list[str] = field(default_factory=list)
    _length: int = 0
    spans: list[Span] = field(default_factory=list)
    negatives: list[NegSpan] = field(default_factory=list)

    def _put(self, text: str) -> None:
        self._parts.append(text)
        self._length += len(text)

    def add(self, *pieces) -> "Doc":
        for piece in pieces:
            if piece is None or piece == "":
                continue
            if isinstance(piece, (str, int)) and not isinstance(piece, bool):
                self._put(str(piece))
            elif isinstance(piece, Ent):
                start = self._length
                self._put(piece.text)
                self.spans.append(Span(start, self._length, piece.type, piece.text, piece.tag))
            elif isinstance(piece, Neg):
                start = self._length
                self._put(piece.text)
                self.negatives.append(NegSpan(start, self._length, piece.kind, piece.text))
            elif isinstance(piece, (tuple, list)):
                self.add(*piece)
            else:
                raise TypeError(f"not a piece of a note: {piece!r}")
        return self

    def f(self, template: str, **values) -> "Doc":
        """Append `template` with each ``{field}`` replaced by the piece `values[field]`."""
        for literal, name, spec, conversion in _FORMATTER.parse(template):
            if literal.startswith(".") and self._parts and self._parts[-1].endswith("."):
                literal = literal[1:]  # "Ltd." + "." or "M.D." + "." : one full stop
            if literal:
                self._put(literal)
            if name is not None:
                if spec or conversion:
                    raise ValueError(f"no format specs in note templates: {template!r}")
                self.add(values[name])
        return self

    def line(self, template: str = "", **values) -> "Doc":
        return self.f(template, **values).add("\n")

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def check(self) -> None:
        """Every span's offsets give back its surface; spans never overlap each other or a negative."""
        text = self.text
        marks = sorted([(s.start, s.end, s.text) for s in self.spans]
                       + [(n.start, n.end, n.text) for n in self.negatives])
        for start, end, surface in marks:
            assert text[start:end] == surface, (start, end, surface)
        for (_s1, e1, t1), (s2, _e2, t2) in zip(marks, marks[1:]):
            assert e1 <= s2, f"overlapping marks {t1!r} and {t2!r}"


def plain(piece) -> str:
    """The text a piece writes."""
    if isinstance(piece, str):
        return piece
    if isinstance(piece, (Ent, Neg)):
        return piece.text
    if isinstance(piece, (tuple, list)):
        return "".join(plain(p) for p in piece)
    if piece is None:
        return ""
    raise TypeError(piece)
