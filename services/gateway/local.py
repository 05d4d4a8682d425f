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


class InProcessEmbedder:
    """The default embedding model loaded in this process, with the embedder client's `embed` signature."""

    def __init__(self, handle: str | Path | None = None):
        from services.embedder.model import load_model

        self.model = load_model(handle)

    def embed(self, texts: Sequence[str], expected_model_version: str | None = None):
        from veil.clients.embedder import Embeddings, EmbedderVersionMismatch

        if expected_model_version and expected_model_version != self.model.version:
            raise EmbedderVersionMismatch(f"the model loaded here is version {self.model.version}, "
                                          f"not {expected_model_version}")
        parts = [self.model.embed(list(texts[i:i + _EMBED_BATCH])) for i in range(0, len(texts), _EMBED_BATCH)]
        vectors = np.concatenate(parts) if parts else np.zeros((0, self.model.dimension), np.float32)
        return Embeddings(vectors=vectors, model_name=self.model.name, model_version=self.model.version,
                          cache_hits=0)

    def info(self) -> dict[str, Any]:
        return {"model_name": self.model.name, "model_version": self.model.version,
                "dimension": self.model.dimension}


def local_pipeline(cfg: Any, observe=None):
    """The pipeline with every part in this process (for --local): redactor library, head, embedding model."""
    from services.gateway import wiring

    classifier = wiring.local_classifier(None, InProcessEmbedder(), (cfg.gateway_phi_model,))
    ml_model = wiring.load_ml_model() if cfg.gateway_use_ml_model else None
    return wiring.build_pipeline(cfg, redactor=LocalRedactor(), classifier=classifier, ml_model=ml_model,
                                 observe=observe)
