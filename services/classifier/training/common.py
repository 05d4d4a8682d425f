"""What every kind of training run shares: where it reads and writes, what it produced, its data errors,
class weights. Its own module so that the phrase pipeline (`pipeline.py`) and the token heads
(`tokens.py`) both use it without importing each other."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from services.classifier.training import artifacts


@dataclass(frozen=True)
class Environment:
    """Where a run reads and writes; `from_settings` fills it from the environment."""

    database_url: str
    artifacts_root: Path
    region: str
    registry_root: Path
    ml_root: Path
    embedder_address: str | None = None
    embed_batch: int = 512
    embedder_unreachable_s: float = 15.0  # how long to wait for an embedder that does not answer at all

    @classmethod
    def from_settings(cls, **overrides: Any) -> "Environment":
        from services.classifier import ml_model, registry
        from services.classifier.training import settings
        from veil import config

        cfg = config.load(settings.SETTINGS)
        values = dict(
            database_url=cfg.training_database_url,
            artifacts_root=Path(cfg.training_artifacts) if cfg.training_artifacts else artifacts.default_root(),
            region=cfg.training_region,
            registry_root=registry.default_root(),
            ml_root=Path(cfg.ml_models) if cfg.ml_models else ml_model.default_root(),
            embedder_address=os.environ.get("VEIL_EMBEDDER_ADDRESS") or None,
            embed_batch=cfg.training_embed_batch,
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


@dataclass
class TrainResult:
    name: str
    version: str
    artifact_dir: Path
    test_report: dict[str, Any]
    train_report: dict[str, Any]
    ml_test_report: dict[str, Any] | None = None
    registry_dir: Path | None = None
    ml_registry_dir: Path | None = None
    sizes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    kind: str = "phrase"

    @property
    def weighted_f1(self) -> float:
        return float(self.test_report["weighted_f1"])

    def summary(self) -> dict[str, Any]:
        out = {"name": self.name, "version": self.version, "kind": self.kind, "weighted_f1": self.weighted_f1,
               "test_rows": self.test_report["rows"], "artifact_dir": str(self.artifact_dir),
               "published": str(self.registry_dir) if self.registry_dir else None, "sizes": self.sizes,
               "seconds": round(self.seconds, 1)}
        if self.ml_test_report:
            out["ml_weighted_f1"] = float(self.ml_test_report["weighted_f1"])
        if self.kind == "token":
            r = self.test_report
            out.update(test_tokens=r["tokens"], span_f1=r["span_f1"], span_f1_overlap=r["span_f1_overlap"],
                       entity_token_f1=r["entity_token_f1"], per_type={
                           t: {"span_f1": s["exact"]["f1"], "span_f1_overlap": s["overlap"]["f1"],
                               "precision": s["exact"]["precision"], "recall": s["exact"]["recall"],
                               "spans": s["gold"], "token_f1": r["per_class"][t]["f1"]}
                           for t, s in r["spans"]["per_type"].items()})
        return out


class TrainingDataError(ValueError):
    """The query returned rows training cannot use (too few, one class, no template column...)."""


def class_weights(label_ids: np.ndarray, n_classes: int, mode: str,
                  cap: float | None = None) -> dict[int, float] | None:
    """Keras class weights against imbalance: 'balanced' (n / (k * count)), its square root, or none.

    With `cap`, no class weighs more than `cap` times the lightest present class: a class of a
    handful of examples would otherwise dominate the loss (and cost precision).
    """
    if mode == "none":
        return None
    counts = np.bincount(label_ids, minlength=n_classes).astype(float)
    present = counts > 0
    weights = np.ones(n_classes)
    weights[present] = len(label_ids) / (present.sum() * counts[present])
    if mode == "sqrt":
        weights = np.sqrt(weights)
    if cap is not None and present.any():
        weights = np.minimum(weights, cap * weights[present].min())
    return {i: float(w) for i, w in enumerate(weights)}
