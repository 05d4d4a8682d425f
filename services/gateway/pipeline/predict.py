"""Batch prediction: every distinct candidate phrase of a document (or of many) classified once, looked up by index.

The phrase models are injected as plain functions from a list of phrases to one
{label: probability} dict per phrase, so the same code runs against the classifier service
(the DL head behind the embedder), an in-process model, or a Dask worker's copies.
Phrases repeat heavily within and across clinical documents, so de-duplicating before the
call is most of the saving; the rest is sending thousands of phrases per call instead of a
handful per paragraph.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from services.gateway.pipeline.patterns import NONE
from services.gateway.pipeline.tagging import Tagger

_log = logging.getLogger(__name__)

Distribution = dict[str, float]
PhraseModel = Callable[[Sequence[str]], list[Distribution]]


@dataclass(frozen=True)
class PhraseModels:
    """The models the hybrid search combines: two phrase classifiers and the token tagger; any may be absent."""

    dl: PhraseModel | None = None
    ml: PhraseModel | None = None
    ml_weight: float = 0.5
    dl_name: str = ""
    ml_name: str = ""
    tagger: Tagger | None = None
    tagger_name: str = ""


@dataclass(frozen=True)
class Decision:
    label: str
    score: float   # combined probability of `label`
    source: str    # "model" (DL head) or "ml" (the scikit-learn model), whichever backed `label` more


def decide(dl: Distribution | None, ml: Distribution | None, ml_weight: float) -> Decision:
    """Combines the two models' distributions with a weighted mean; the best label that is not NONE wins.

    A label either model did not list among its top probabilities counts as 0 for it. When
    only one model ran, its distribution is used as is.
    """
    if dl is None and ml is None:
        return Decision(NONE, 0.0, "model")
    if dl is None or ml is None:
        only = dl if dl is not None else ml
        weights = (1.0, 0.0) if dl is not None else (0.0, 1.0)
        dl, ml = (only, {}) if dl is not None else ({}, only)
    else:
        weights = (1.0 - ml_weight, ml_weight)
    labels = (set(dl) | set(ml)) - {NONE}
    best, best_score = NONE, 0.0
    for label in sorted(labels):
        score = weights[0] * dl.get(label, 0.0) + weights[1] * ml.get(label, 0.0)
        if score > best_score:
            best, best_score = label, score
    if best == NONE:
        return Decision(NONE, 0.0, "model")
    source = "model" if weights[0] * dl.get(best, 0.0) >= weights[1] * ml.get(best, 0.0) else "ml"
    return Decision(best, round(best_score, 4), source)


class PredictionTable:
    """The models' answers for a set of distinct phrases, looked up by phrase (through its index)."""

    def __init__(self, phrases: Sequence[str], dl: Sequence[Distribution] | None,
                 ml: Sequence[Distribution] | None, ml_weight: float):
        self.phrases = list(phrases)
        self.index = {p: i for i, p in enumerate(self.phrases)}
        self._dl = dl
        self._ml = ml
        self._decisions = [decide(dl[i] if dl is not None else None, ml[i] if ml is not None else None, ml_weight)
                           for i in range(len(self.phrases))]

    def __len__(self) -> int:
        return len(self.phrases)

    def lookup(self, phrase: str) -> Decision:
        return self._decisions[self.index[phrase]]


def _batched(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def predict_phrases(phrases: Iterable[str], models: PhraseModels, batch_size: int) -> PredictionTable:
    """Classifies each distinct phrase once, in calls of `batch_size` phrases."""
    distinct = list(dict.fromkeys(phrases))
    dl = ml = None
    if distinct and models.dl is not None:
        dl = [d for batch in _batched(distinct, batch_size) for d in models.dl(batch)]
    if distinct and models.ml is not None:
        # The scikit-learn model is vectorised in-process: one call over everything is fastest.
        ml = models.ml(distinct)
    _log.debug("classified %d distinct phrases", len(distinct))
    return PredictionTable(distinct, dl, ml, models.ml_weight)
