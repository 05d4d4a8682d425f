"""In-process stand-ins for the services, for `veil deidentify --local`: the same libraries, no servers.

The redactor's logic package and the classifier's head run in this process, and the
embedding model is loaded here (TensorFlow, the default model), so one command
de-identifies files on a machine where nothing is running. Same results as the stack;
slower to start, since every model is loaded first.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from services.gateway.pipeline.predict import Distribution
from veil.clients.http import ServiceRejected

_log = logging.getLogger(__name__)

_EMBED_BATCH = 256


class LocalRedactor:
    """services.redactor's extract/redact in this process, with the client's error types."""

    def extract(self, pdf: bytes) -> dict:
        from services.redactor.errors import DocumentError
        from services.redactor.extract import extract

        try:
            return extract(pdf)
        except DocumentError as exc:
            raise ServiceRejected("redactor", exc.status, exc.title, exc.message, exc.code) from None

    def redact(self, pdf: bytes, spans: list[dict]) -> tuple[bytes, dict]:
        from services.redactor.errors import DocumentError
        from services.redactor.redact import redact

        try:
            return redact(pdf, spans)
        except DocumentError as exc:
            raise ServiceRejected("redactor", exc.status, exc.title, exc.message, exc.code) from None

    def ready(self) -> bool:
        return True


class LocalHeadModel:
    """The registry's active head of `name` over the default embedding model, both loaded here."""

    def __init__(self, name: str = "phi-type", registry_root: str | Path | None = None, top_k: int = 4):
        from services.classifier import registry
        from services.classifier.heads import HeadCatalog
        from services.embedder.model import load_model

        root = Path(registry_root) if registry_root else registry.default_root()
        self.embedder = load_model()
        self.head = HeadCatalog(root, [name]).active(name)
        self.name = f"{name} {self.head.version} (local)"
        self.top_k = top_k
        mismatch = self.head.incompatibility({"model_name": self.embedder.name,
                                              "model_version": self.embedder.version,
                                              "dimension": self.embedder.dimension})
        if mismatch:
            raise RuntimeError(mismatch)

    def __call__(self, phrases: Sequence[str]) -> list[Distribution]:
        out: list[Distribution] = []
        labels = self.head.labels
        for start in range(0, len(phrases), _EMBED_BATCH):
            vectors = self.embedder.embed(list(phrases[start:start + _EMBED_BATCH]))
            probabilities = self.head.predict_proba(vectors)
            best = np.argsort(-probabilities, axis=1)[:, :self.top_k]
            out.extend({labels[j]: float(row[j]) for j in idx} for row, idx in zip(probabilities, best))
        return out


def local_pipeline(cfg: Any, observe=None):
    """The pipeline with every part in this process (for --local)."""
    from services.gateway import wiring
    from services.gateway.pipeline.deidentify import Pipeline
    from services.gateway.pipeline.predict import PhraseModels

    dl = LocalHeadModel(cfg.gateway_phi_model)
    ml_model = wiring.load_ml_model() if cfg.gateway_use_ml_model else None
    ml = wiring.sklearn_model(ml_model) if ml_model is not None else None
    models = PhraseModels(dl=dl, ml=ml, ml_weight=cfg.gateway_ml_weight if ml else 0.0, dl_name=dl.name,
                          ml_name="phi-type-ml" if ml else "")
    return Pipeline(LocalRedactor(), models, wiring.options_from(cfg), observe=observe)
