"""`veil evaluate <version folder>`: retrains a version's head on its stored embeddings under another split.

The stored rows (raw/rows.csv) and embeddings (processed/*.npz) of a version are enough to
ask "what if whole templates were held out?" without the embedder: with `--group-by
template` no test row shares its generator template (its format or phrasing) with a
training row, which measures generalisation beyond the templates, not recall of them.
Nothing in the version folder is changed; the figures are printed (and written with --out).
"""

from __future__ import annotations

import csv
import json
import logging
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from services.classifier.training import config, reports
from services.classifier.training.split import normalise, stratified_group_split

_log = logging.getLogger(__name__)


class EvaluationError(ValueError):
    """The folder is not a complete training version."""


def _version_config(version_dir: Path) -> config.TrainingConfig:
    try:
        with zipfile.ZipFile(version_dir / "code.zip") as zf:
            raw = json.loads(zf.read("MANIFEST.json"))["config"]
    except (OSError, KeyError, zipfile.BadZipFile, ValueError) as exc:
        raise EvaluationError(f"{version_dir} has no readable code.zip/MANIFEST.json ({exc})") from None
    raw.pop("source", None)
    return config.parse(raw, f"{version_dir}/code.zip")


def _load(version_dir: Path) -> tuple[list[dict[str, str]], np.ndarray, np.ndarray, list[str]]:
    """Rows, their embeddings, label ids and labels, in row order."""
    rows_csv = version_dir / "raw" / "rows.csv"
    if not rows_csv.is_file():
        raise EvaluationError(f"{version_dir} is not a training version (no raw/rows.csv)")
    csv.field_size_limit(sys.maxsize)
    with open(rows_csv, newline="", encoding="utf-8") as f:
        records = list(csv.DictReader(f))
    vectors: np.ndarray | None = None
    label_ids = np.full(len(records), -1, dtype=np.int64)
    for part in ("train", "validation", "test"):
        data = np.load(version_dir / "processed" / f"{part}.npz")
        if vectors is None:
            vectors = np.zeros((len(records), data["embeddings"].shape[1]), dtype=np.float32)
        vectors[data["rows"]] = data["embeddings"]
        label_ids[data["rows"]] = data["label_ids"]
    labels_files = sorted((version_dir / "models").glob("*/labels.json"))
    if vectors is None or (label_ids < 0).any() or not labels_files:
        raise EvaluationError(f"{version_dir} is incomplete (processed/ or models/*/labels.json missing)")
    return records, vectors, label_ids, json.loads(labels_files[0].read_text())


def evaluate(version_dir: str | Path, group_by: str = "template", seed: int | None = None,
             with_ml: bool = True) -> dict[str, Any]:
    """Head (and ML model) weighted F1 on a test split grouped by `group_by`; returns the reports."""
    from services.classifier.training import pipeline

    version_dir = Path(version_dir)
    cfg = _version_config(version_dir)
    if cfg.kind != "phrase":
        raise EvaluationError(f"{version_dir} is a {cfg.kind} head; `veil evaluate` retrains phrase heads only "
                              "(train a token config again with another split.group_by instead)")
    records, vectors, label_ids, labels = _load(version_dir)
    if group_by == "text":
        groups = [normalise(r["text"]) for r in records]
    elif all(r.get(group_by) for r in records):
        groups = [r[group_by] for r in records]
    else:
        raise EvaluationError(f"the rows of {version_dir} have no {group_by!r} column to group by")
    split = stratified_group_split([r["label"] for r in records], groups, cfg.split.validation, cfg.split.test,
                                   cfg.split.seed if seed is None else seed)
    head, history = pipeline.fit_head(cfg, vectors, label_ids, split, len(labels))
    result: dict[str, Any] = {"version_dir": str(version_dir), "model": cfg.name, "group_by": group_by,
                              "sizes": split.sizes(), "epochs_run": len(history.get("loss", []))}
    result["head"] = reports.classification(label_ids[split.test], pipeline.predict_ids(head, vectors[split.test]),
                                            labels)
    if with_ml and cfg.ml_model:
        from services.classifier import ml_model

        texts = [r["text"] for r in records]
        weights = pipeline.class_weights(label_ids[split.train], len(labels), cfg.training.class_weight,
                                         cfg.training.class_weight_cap)
        ml = ml_model.train([texts[i] for i in split.train], label_ids[split.train], labels, c=cfg.ml_model.c,
                            class_weight=weights, seed=cfg.training.seed, name=cfg.ml_model.name)
        probs, _ = ml.predict_proba([texts[i] for i in split.test])
        result["ml_model"] = reports.classification(label_ids[split.test], probs.argmax(axis=1), labels)
    return result
