"""The classifier service: light Keras heads from a model registry behind the central embedder.

Published surface, for processes that classify without the service (the gateway's in-process
parts, batch runs): `local_classifier(...)` (the service's prediction code with the client's
`predict(model, texts, top_k=, caller=)` for phrase heads and `tag(model, texts, caller=)` for
token heads), `available_heads(names, registry_root=None)` (which of the named heads are
trained and active, without loading TensorFlow: ask before requiring an optional head such
as the `phi-tagger` token head), `load_ml_model(root=None)` (the scikit-learn phrase model
the gateway combines with the heads), `model_roots()` (where both live), and the errors a
local classifier raises, `ModelNotFound` and `ModelUnavailable`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

__all__ = ["ModelNotFound", "ModelUnavailable", "available_heads", "load_ml_model", "local_classifier", "model_roots"]

_log = logging.getLogger(__name__)


def local_classifier(registry_root: str | None, embedder: Any, names: Sequence[str] = ("phi-type",)) -> Any:
    """The heads `names` from the registry, predicting (and tagging) in this process with `embedder`.

    A named head that is not trained (not in the registry) is left out with a warning: asking
    it later raises ModelNotFound, as the service answers 404, so a caller can treat an optional
    head as absent (or ask `available_heads` first). Raises RuntimeError naming every head that
    is in the registry but cannot be loaded, and when none of `names` is trained.
    """
    from prometheus_client import CollectorRegistry

    from services.classifier import registry
    from services.classifier.heads import HeadCatalog, ModelNotFound
    from services.classifier.metrics import ClassifierMetrics
    from services.classifier.predictor import Classifier

    root = registry_root or registry.default_root()
    catalog = HeadCatalog(root, tuple(names))
    failures = {}
    missing = []
    for name in catalog.names():
        try:
            catalog.active(name)
        except ModelNotFound as exc:
            missing.append(name)
            _log.warning("model %s is not trained (%s); running without it", name, exc)
        except Exception as exc:  # noqa: BLE001 - ModelUnavailable, or a name the registry refuses
            failures[name] = str(exc)
    if failures:
        raise RuntimeError("; ".join(f"{name}: {error}" for name, error in failures.items()))
    if names and len(missing) == len(catalog.names()):
        raise RuntimeError(f"none of the heads {', '.join(names)} is trained in the registry {root}; "
                           "train them with `veil train --all`")
    return Classifier(catalog, embedder, None, ClassifierMetrics(CollectorRegistry()))


def available_heads(names: Sequence[str], registry_root: str | Path | None = None) -> tuple[str, ...]:
    """The heads among `names` that are trained and have an active version, in the order given.

    Reads the registry's files only (no TensorFlow): whether a head can actually load is
    known when `local_classifier` loads it.
    """
    from services.classifier import registry

    root = Path(registry_root) if registry_root else registry.default_root()
    found = []
    for name in names:
        try:
            version = registry.active_version(root, name)
            if version is not None:
                registry.version_info(root, name, version)
                found.append(name)
        except (registry.RegistryError, OSError, ValueError):
            continue
    return tuple(found)


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
