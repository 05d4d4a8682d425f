"""Stratified train/validation/test split that keeps each group (a text, or a generator template) in one part.

Grouping is what makes the held-out score honest: with group_by "text" no test phrase was
seen in training (the data repeats phrases, as real traffic does); with group_by
"template" whole phrasings are held out. Within that constraint every part keeps the class
proportions (scikit-learn's StratifiedGroupKFold).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from veil.contracts import fold

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Split:
    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "validation": len(self.validation), "test": len(self.test)}


def normalise(text: str) -> str:
    """The group key of a text: case and spacing do not make a phrase new."""
    return fold(text)


def _hold_out(labels: np.ndarray, groups: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (kept, held out) with about `fraction` held out, stratified by label, grouped."""
    from sklearn.model_selection import StratifiedGroupKFold

    n_splits = max(2, int(round(1.0 / fraction)))
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        # "The least populated class has fewer members than n_splits": such classes simply have no
        # rows in the held-out part; stratified_group_split keeps them in train.
        warnings.simplefilter("ignore", UserWarning)
        kept, held = next(splitter.split(np.zeros(len(labels)), labels, groups))
    return kept, held


def stratified_group_split(labels: Sequence[str], groups: Sequence[str], validation: float, test: float,
                           seed: int) -> Split:
    """Indices of the three parts; every label of validation and test also occurs in train."""
    labels = np.asarray(labels)
    _, group_ids = np.unique(np.asarray(groups), return_inverse=True)
    rest, test_idx = _hold_out(labels, group_ids, test, seed)
    rest_val = validation / (1.0 - test)
    kept, val_pos = _hold_out(labels[rest], group_ids[rest], rest_val, seed + 1)
    train_idx, val_idx = rest[kept], rest[val_pos]
    # A class whose every group fell outside train cannot be learned; move those rows back to
    # train instead of scoring the model on a class it never saw.
    seen = set(labels[train_idx])
    moved = []
    for name, part in (("validation", val_idx), ("test", test_idx)):
        unseen = np.array([lab not in seen for lab in labels[part]], dtype=bool)
        if unseen.any():
            moved.append((name, int(unseen.sum())))
            train_idx = np.concatenate([train_idx, part[unseen]])
            if name == "validation":
                val_idx = part[~unseen]
            else:
                test_idx = part[~unseen]
    if moved:
        _log.warning("moved rows of classes absent from train back to train: %s", moved)
    return Split(np.sort(train_idx), np.sort(val_idx), np.sort(test_idx))
