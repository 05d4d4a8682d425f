"""The evaluation's numbers: token counts summable over documents, the metrics made of them, leaks, results."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from tools.evaluation.copies import BORN_DIGITAL

_log = logging.getLogger(__name__)

UNTYPED = "UNTYPED"


@dataclass
class Counts:
    """Token counts, summable over documents; the metrics are ratios of these."""

    tokens: int = 0                 # countable words read
    gold_tokens: int = 0            # words of some (non-neutral) gold span
    gold_removed: int = 0
    removed_tokens: int = 0         # removed words, neutral-only words left out
    removed_gold: int = 0
    neutral_tokens: int = 0
    neutral_removed: int = 0
    unreadable_tokens: int = 0      # words OCR of an image copy as given did not read: not counted at all
    unreadable_gold: int = 0        # ... of them gold
    gold_by_type: Counter = field(default_factory=Counter)
    gold_removed_by_type: Counter = field(default_factory=Counter)
    predicted_by_type: Counter = field(default_factory=Counter)   # removed words per predicted type
    correct_by_type: Counter = field(default_factory=Counter)     # ... gold of that type
    gold_any_by_type: Counter = field(default_factory=Counter)    # ... gold of any type

    def add(self, other: "Counts") -> None:
        for name in ("tokens", "gold_tokens", "gold_removed", "removed_tokens", "removed_gold",
                     "neutral_tokens", "neutral_removed", "unreadable_tokens", "unreadable_gold"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("gold_by_type", "gold_removed_by_type", "predicted_by_type", "correct_by_type",
                     "gold_any_by_type"):
            getattr(self, name).update(getattr(other, name))


def recall(counts: Counts, type_: str | None = None) -> float | None:
    """Removed gold words / gold words (of `type_`, or all); None without gold words."""
    gold = counts.gold_by_type[type_] if type_ else counts.gold_tokens
    removed = counts.gold_removed_by_type[type_] if type_ else counts.gold_removed
    return removed / gold if gold else None


def precision(counts: Counts, type_: str | None = None) -> float | None:
    """Removed words that are gold / removed words (predicted `type_` and gold of that type, or
    all words whatever their type); None when nothing was removed."""
    removed = counts.predicted_by_type[type_] if type_ else counts.removed_tokens
    correct = counts.correct_by_type[type_] if type_ else counts.removed_gold
    return correct / removed if removed else None


def f2(p: float | None, r: float | None) -> float | None:
    if p is None or r is None:
        return None
    return 5 * p * r / (4 * p + r) if 4 * p + r else 0.0


@dataclass(frozen=True)
class Leak:
    document: str
    text: str
    type: str
    where: str


@dataclass
class DocumentScore:
    name: str
    counts: Counts = field(default_factory=Counts)
    leaks: list[Leak] = field(default_factory=list)
    metadata_leaks: list[Leak] = field(default_factory=list)
    unlocated: list[tuple[str, str]] = field(default_factory=list)   # (text, type) not found in the input
    typed: bool = False              # whether the report's entities gave predicted types
    error: str | None = None         # why the document was not scored (the de-identifier failed)


@dataclass
class EvaluationResult:
    documents: list[DocumentScore]
    counts: Counts
    typed: bool
    unknown_labels: dict[str, int] = field(default_factory=dict)
    safe_harbor_neutral: bool = False
    copy: str = BORN_DIGITAL         # the form the documents were given in (see `copies`)

    @property
    def leaks(self) -> list[Leak]:
        return [leak for d in self.documents for leak in d.leaks]

    @property
    def metadata_leaks(self) -> list[Leak]:
        return [leak for d in self.documents for leak in d.metadata_leaks]

    @property
    def errors(self) -> list[tuple[str, str]]:
        return [(d.name, d.error) for d in self.documents if d.error]


def aggregate(scores: Iterable[DocumentScore], *, unknown_labels: dict[str, int] | None = None,
              safe_harbor_neutral: bool = False, copy: str = BORN_DIGITAL) -> EvaluationResult:
    """The documents' counts summed (micro-averaged metrics), their leaks kept."""
    documents = list(scores)
    total = Counts()
    for d in documents:
        total.add(d.counts)
    scored = [d for d in documents if not d.error]
    return EvaluationResult(documents=documents, counts=total, typed=bool(scored) and all(d.typed for d in scored),
                            unknown_labels=dict(unknown_labels or {}), safe_harbor_neutral=safe_harbor_neutral,
                            copy=copy)
