"""Training reports: per-class precision, recall and F1, weighted F1, the confusion-matrix image, the history CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np


def classification(y_true: Sequence[int], y_pred: Sequence[int], labels: Sequence[str]) -> dict[str, Any]:
    """Per-class precision/recall/F1/support plus accuracy and the macro and weighted averages."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    ids = list(range(len(labels)))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=ids, zero_division=0)
    per_class = {label: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                         "f1": round(float(f[i]), 4), "support": int(s[i])} for i, label in enumerate(labels)}
    report: dict[str, Any] = {"rows": int(len(y_true)), "accuracy": round(float(accuracy_score(y_true, y_pred)), 4)}
    for average in ("weighted", "macro"):
        ap, ar, af, _ = precision_recall_fscore_support(y_true, y_pred, labels=ids, average=average,
                                                        zero_division=0)
        report[f"{average}_precision"] = round(float(ap), 4)
        report[f"{average}_recall"] = round(float(ar), 4)
        report[f"{average}_f1"] = round(float(af), 4)
    report["per_class"] = per_class
    return report


def confusion_png(y_true: Sequence[int], y_pred: Sequence[int], labels: Sequence[str], path: str | Path,
                  title: str) -> Path:
    """Row-normalised confusion matrix as a PNG; tick labels only while they stay readable."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and workers
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    n = len(labels)
    matrix = confusion_matrix(y_true, y_pred, labels=list(range(n))).astype(float)
    sums = matrix.sum(axis=1, keepdims=True)
    normalised = np.divide(matrix, sums, out=np.zeros_like(matrix), where=sums > 0)
    size = min(24.0, max(6.0, n * 0.45))
    fig, ax = plt.subplots(figsize=(size, size * 0.9))
    image = ax.imshow(normalised, cmap="Blues", vmin=0.0, vmax=1.0)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the true class")
    if n <= 40:
        ax.set_xticks(range(n), labels, rotation=90, fontsize=8)
        ax.set_yticks(range(n), labels, fontsize=8)
        if n <= 15:
            for i in range(n):
                for j in range(n):
                    if matrix[i, j]:
                        ax.text(j, i, int(matrix[i, j]), ha="center", va="center", fontsize=7,
                                color="white" if normalised[i, j] > 0.5 else "black")
    else:
        ax.set_xlabel(f"predicted class (0..{n - 1}, order of labels.json)")
        ax.set_ylabel(f"true class (0..{n - 1})")
    if n <= 40:
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def history_csv(history: Mapping[str, Sequence[float]], path: str | Path) -> Path:
    """One row per epoch: epoch, then every metric Keras recorded (loss, accuracy, val_loss, ...)."""
    keys = sorted(history)
    epochs = len(next(iter(history.values()))) if history else 0
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["epoch", *keys])
        for e in range(epochs):
            writer.writerow([e + 1, *(f"{float(history[k][e]):.6f}" for k in keys)])
    return path


def write_json(data: Any, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    return path


def summary_line(name: str, version: str, report: Mapping[str, Any], what: str = "head") -> str:
    return (f"{name} {version} {what}: weighted F1 {report['weighted_f1']:.4f} on {report['rows']} held-out test rows "
            f"(accuracy {report['accuracy']:.4f}, macro F1 {report['macro_f1']:.4f})")
