"""The scikit-learn CPU model of hybrid search: TF-IDF on characters and word shapes, then logistic regression.

It complements the embedding head on surface form ("dd/dd/dddd", "MRN", "@"), costs no
embedder call, and is saved with joblib. Its `predict_proba` is meant for large batches:
one sparse transform and one matrix product for a whole document set, never one phrase at
a time. Only scikit-learn, NumPy and joblib are imported, so the gateway loads it without
TensorFlow.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from veil.paths import home

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
ACTIVE_FILE = "ACTIVE"
ROOT_ENV = "VEIL_ML_MODELS"
DEFAULT_NAME = "phi-type-ml"

_log = logging.getLogger(__name__)
_UPPER = re.compile(r"[A-Z]")
_LOWER = re.compile(r"[a-z]")
_DIGIT = re.compile(r"[0-9]")


def word_shape(text: str) -> str:
    """'Maria 03/14/2021' -> 'Xxxxx dd/dd/dddd': the form of a phrase without its content."""
    return _DIGIT.sub("d", _LOWER.sub("x", _UPPER.sub("X", text)))


class PhraseModel:
    """A fitted pipeline and its labels; `predict_proba(texts)` -> (probabilities [n, k], labels)."""

    def __init__(self, pipeline: Any, labels: Sequence[str], name: str = DEFAULT_NAME, version: str = "",
                 metadata: dict[str, Any] | None = None):
        self.pipeline = pipeline
        self.labels = list(labels)
        self.name = name
        self.version = version
        self.metadata = dict(metadata or {})

    def predict_proba(self, texts: list[str]) -> tuple[np.ndarray, list[str]]:
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float32), list(self.labels)
        probs = self.pipeline.predict_proba(list(texts))
        # Trained on ids 0..k-1 (checked in `train`), so column i is self.labels[i].
        return np.asarray(probs, dtype=np.float32), list(self.labels)

    def predict(self, texts: list[str]) -> list[str]:
        probs, labels = self.predict_proba(texts)
        return [labels[i] for i in probs.argmax(axis=1)] if len(texts) else []


def build_pipeline(c: float = 10.0, seed: int = 0) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), lowercase=False, min_df=2,
                                  sublinear_tf=True, dtype=np.float32)),
        ("words", TfidfVectorizer(analyzer="word", token_pattern=r"[^\s]+", lowercase=True, min_df=2,
                                  sublinear_tf=True, dtype=np.float32)),
        ("shapes", TfidfVectorizer(analyzer="char", ngram_range=(2, 5), preprocessor=word_shape, lowercase=False,
                                   min_df=2, sublinear_tf=True, dtype=np.float32)),
    ])
    return Pipeline([("features", features),
                     ("classifier", LogisticRegression(C=c, max_iter=2000, random_state=seed))])


def train(texts: Sequence[str], label_ids: Sequence[int], labels: Sequence[str], c: float = 10.0,
          class_weight: dict[int, float] | None = None, seed: int = 0, name: str = DEFAULT_NAME) -> PhraseModel:
    """Fits on integer label ids (positions in `labels`), so its columns line up with the head's."""
    pipeline = build_pipeline(c, seed)
    if class_weight:
        pipeline.set_params(classifier__class_weight=class_weight)
    from threadpoolctl import threadpool_limits

    start = time.perf_counter()
    # lbfgs on sparse features gains nothing from BLAS threads, and on shared cores they cost
    # much (3 s with one thread against 26 s with the default pool on a loaded 2-core machine).
    with threadpool_limits(limits=1, user_api="blas"):
        pipeline.fit(list(texts), np.asarray(label_ids))
    classes = list(pipeline.named_steps["classifier"].classes_)
    if classes != list(range(len(labels))):
        raise ValueError("every label needs training rows for the ML model; missing: "
                         + ", ".join(labels[i] for i in range(len(labels)) if i not in classes))
    _log.info("trained ML model %s on %d rows in %.1fs", name, len(texts), time.perf_counter() - start)
    return PhraseModel(pipeline, labels, name=name)


def default_root() -> Path:
    """VEIL_ML_MODELS, or <VEIL_HOME>/ml-models."""
    return Path(os.environ.get(ROOT_ENV) or home() / "ml-models")


def save(model: PhraseModel, directory: str | Path) -> Path:
    import joblib

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / MODEL_FILE
    joblib.dump(model, path, compress=3)
    return path


def publish(model: PhraseModel, version: str, root: str | Path | None = None,
            metadata: dict[str, Any] | None = None, activate: bool = True) -> Path:
    """Writes <root>/<name>/<version>/ whole (temp folder + rename) and makes it active; returns the folder.

    Versions are immutable and stay for rollback; ACTIVE names the one `load_latest` serves.
    """
    from services.classifier import registry

    root = Path(root) if root else default_root()
    registry.check_name(model.name)
    registry.check_name(version, "version")
    model_dir = root / model.name
    final = model_dir / version
    if final.exists():
        raise registry.RegistryError(f"{model.name} version {version} already exists in {root}")
    model_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{version}.tmp-", dir=model_dir))
    try:
        model.version = version
        save(model, tmp)
        meta = {**(metadata or {}), "name": model.name, "version": version, "labels": model.labels,
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "published_at": time.time()}
        (tmp / METADATA_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if activate:
        registry.set_active(root, model.name, version)
    return final


def load(path: str | Path) -> PhraseModel:
    import joblib

    model = joblib.load(Path(path))
    if not isinstance(model, PhraseModel):
        raise TypeError(f"{path} does not hold a PhraseModel")
    return model


def load_latest(root: str | Path | None = None, name: str = DEFAULT_NAME) -> PhraseModel:
    """The active version of `name` (else the newest one published); FileNotFoundError when there is none."""
    from services.classifier import registry

    root = Path(root) if root else default_root()
    version = registry.active_version(root, name) if (root / name).is_dir() else None
    if version is None:
        try:
            published = registry.versions(root, name)
        except registry.UnknownModel:
            raise FileNotFoundError(f"no ML model {name!r} under {root}; train one with: veil train phi-type") from None
        version = published[-1].version
    model = load(root / name / version / MODEL_FILE)
    model.version = version
    return model
