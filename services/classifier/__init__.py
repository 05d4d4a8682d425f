"""The classifier service: light Keras heads from a model registry behind the central embedder.

Published surface, for processes that classify without the service (the gateway's in-process
parts, batch runs): `local_classifier(...)` (the service's prediction code with the client's
`predict(model, texts, top_k=, caller=)`), `load_ml_model(root=None)` (the scikit-learn
phrase model the gateway combines with the heads), `model_roots()` (where both live), and
the errors a local classifier raises, `ModelNotFound` and `ModelUnavailable`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

__all__ = ["ModelNotFound", "ModelUnavailable", "load_ml_model", "local_classifier", "model_roots"]

_log = logging.getLogger(__name__)


def local_classifier(registry_root: str | None, embedder: Any, names: Sequence[str] = ("phi-type",)) -> Any:
    """The heads `names` from the registry, predicting in this process with `embedder` for the vectors.

    Raises RuntimeError naming every head that could not be loaded.
    """
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


def load_ml_model(root: str | Path | None = None) -> Any | None:
    """The active phi-type-ml model, or None (logged) when none has been trained yet."""
    from services.classifier import ml_model

    try:
        return ml_model.load_latest(root)
    except (FileNotFoundError, LookupError, OSError) as exc:
        _log.warning("no phi-type-ml model found (%s); running without it. Train it with `veil train --all`",
                     type(exc).__name__)
        return None


def model_roots() -> tuple[Path, Path]:
    """(the head registry, the ML models' root) of this machine's configuration."""
    from services.classifier import ml_model, registry

    return Path(registry.default_root()), Path(ml_model.default_root())


def __getattr__(name: str) -> Any:
    # The errors live with the heads; loaded on first use so importing the package stays light.
    if name in ("ModelNotFound", "ModelUnavailable"):
        from services.classifier import heads

        return getattr(heads, name)
    raise AttributeError(f"module 'services.classifier' has no attribute {name!r}")
