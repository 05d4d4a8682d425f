"""Reports: per-class figures and weighted F1 as scikit-learn computes them, the PNG and the history CSV."""

from __future__ import annotations

import csv

import numpy as np
from sklearn.metrics import f1_score

from services.classifier.training import reports


def test_the_report_has_per_class_figures_and_the_weighted_f1():
    y_true = [0, 0, 0, 1, 1, 2, 2, 2, 2, 2]
    y_pred = [0, 0, 1, 1, 1, 2, 2, 2, 0, 2]
    report = reports.classification(y_true, y_pred, ["a", "b", "c"])
    assert report["weighted_f1"] == round(f1_score(y_true, y_pred, average="weighted"), 4)
    assert report["per_class"]["b"] == {"precision": round(2 / 3, 4), "recall": 1.0, "f1": 0.8, "support": 2}
    assert report["rows"] == 10 and report["accuracy"] == 0.8


def test_a_class_never_predicted_scores_zero_instead_of_failing():
    report = reports.classification([0, 1, 2], [0, 0, 0], ["a", "b", "c"])
    assert report["per_class"]["c"]["precision"] == 0.0


def test_the_confusion_matrix_is_written_as_a_png_for_few_and_for_many_classes(tmp_path):
    rng = np.random.default_rng(0)
    for n in (3, 190):
        y = rng.integers(0, n, 500)
        path = reports.confusion_png(y, y, [f"c{i}" for i in range(n)], tmp_path / f"cm{n}.png", "test")
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_history_csv_has_one_row_per_epoch(tmp_path):
    path = reports.history_csv({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}, tmp_path / "history.csv")
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["epoch", "loss", "val_loss"]
    assert rows[2] == ["2", "0.500000", "0.700000"]
