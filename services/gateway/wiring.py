"""Builds the pipeline from configuration: the redactor and classifier clients, the joblib ML model, the options."""

from __future__ import annotations

import logging
from typing import Any, Callable, Sequence

from services.gateway.pipeline.deidentify import Pipeline, PipelineOptions
from services.gateway.pipeline.hybrid import SearchOptions
from services.gateway.pipeline.predict import Distribution, PhraseModels
from services.gateway.local import LocalRedactor
from veil.clients.classifier import ClassifierClient

_log = logging.getLogger(__name__)

__all__ = ["LocalRedactor", "build_pipeline", "classifier_model", "load_ml_model", "local_classifier",
           "options_from", "sklearn_model"]

# The classifier's answer carries this many labels per phrase; the hybrid decision needs the
# runner-up labels to combine the two models, not the full distribution.
TOP_K = 4


class ClassifierModel:
    """The DL head behind the classifier (the service's client, or `local_classifier`), as a phrase model.

    `version` is the head version that answered last (heads can be rolled back at any time).
    """

    def __init__(self, client: ClassifierClient | Any, model: str, caller: str = "gateway"):
        self.client = client
        self.model = model
        self.caller = caller
        self.version: str | None = None

    def __call__(self, phrases: Sequence[str]) -> list[Distribution]:
        answer = self.client.predict(self.model, phrases, top_k=TOP_K, caller=self.caller)
        self.version = answer.get("version")
        out = []
        for p in answer["predictions"]:
            ranked = p.get("top_k") or [{"label": p["label"], "probability": p["probability"]}]
            out.append({r["label"]: float(r["probability"]) for r in ranked})
        return out


def classifier_model(client: ClassifierClient | Any, model: str, caller: str = "gateway") -> ClassifierModel:
    return ClassifierModel(client, model, caller)


class SklearnModel:
    """The joblib phi-type-ml model (predict_proba(texts) -> (probabilities, labels)) as a phrase model."""

    def __init__(self, model: Any):
        self.model = model
        self.version = getattr(model, "version", None)

    def __call__(self, phrases: Sequence[str]) -> list[Distribution]:
        import numpy as np

        probabilities, labels = self.model.predict_proba(list(phrases))
        k = min(TOP_K, len(labels))
        best = np.argsort(-probabilities, axis=1)[:, :k]
        return [{labels[j]: float(row[j]) for j in idx} for row, idx in zip(probabilities, best)]


def sklearn_model(model: Any) -> SklearnModel:
    return SklearnModel(model)


def local_classifier(registry_root: str | None, embedder: Any, names: Sequence[str] = ("phi-type",)) -> Any:
    """The classifier's prediction code in this process (heads from the registry, `embedder` for the
    vectors), with the client's `predict(model, texts, top_k=, caller=)`: no classifier service needed."""
    from prometheus_client import CollectorRegistry

    from services.classifier import registry
    from services.classifier.heads import HeadCatalog
    from services.classifier.metrics import ClassifierMetrics
    from services.classifier.predictor import Classifier

    catalog = HeadCatalog(registry_root or registry.default_root(), tuple(names))
    failures = catalog.load_all()
    if failures:
        raise RuntimeError("; ".join(f"{name}: {error}" for name, error in failures.items()))
    return Classifier(catalog, embedder, None, ClassifierMetrics(CollectorRegistry()))


def load_ml_model(root: str | None = None) -> Any | None:
    """The latest phi-type-ml model, or None (logged) when none has been trained yet."""
    try:
        from services.classifier.training import ml_model
    except ImportError:
        _log.warning("the training package is not installed; running without the ML model")
        return None
    try:
        return ml_model.load_latest(root)
    except (FileNotFoundError, LookupError, OSError) as exc:
        _log.warning("no phi-type-ml model found (%s); running without it. Train it with `veil train --all`",
                     type(exc).__name__)
        return None


def options_from(cfg: Any) -> PipelineOptions:
    return PipelineOptions(mode=cfg.gateway_pipeline_mode, blob_workers=cfg.gateway_blob_workers,
                           batch_size=cfg.gateway_predict_batch_size,
                           search=SearchOptions(threshold=cfg.gateway_model_threshold,
                                                review_threshold=cfg.gateway_review_threshold))


def build_pipeline(cfg: Any, *, redactor: Any, classifier: Any, ml_model: Any | None = None,
                   observe: Callable[[str, float], None] | None = None) -> Pipeline:
    ml = sklearn_model(ml_model) if ml_model is not None else None
    models = PhraseModels(dl=classifier_model(classifier, cfg.gateway_phi_model), ml=ml,
                          ml_weight=cfg.gateway_ml_weight if ml is not None else 0.0,
                          dl_name=cfg.gateway_phi_model, ml_name="phi-type-ml" if ml is not None else "")
    return Pipeline(redactor, models, options_from(cfg), observe=observe)
