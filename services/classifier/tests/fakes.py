"""A stand-in for the embedder client in unit tests (the integration tests use the real embedder).

It implements EmbedderClient's interface: a text containing a label's keyword gets that
label's one-hot direction, so a head with an identity-like kernel classifies it; `down`
makes it raise EmbedderUnavailable as the real client does when the server is unreachable.
`embed_tokens` makes a token of every word and punctuation mark, each with its keyword's
direction, so the same kernel is a token head over TOKEN_LABELS.
"""

from __future__ import annotations

import re
import threading
from typing import Sequence

import numpy as np

from veil.clients.embedder import EmbedderUnavailable, EmbedderVersionMismatch, Embeddings, TokenEmbeddings

LABELS = ["PERSON", "DATE", "PHONE", "NONE"]
# The same directions read as token labels: the last one is "outside" for a token head.
TOKEN_LABELS = ["PERSON", "DATE", "PHONE", "O"]
_TOKEN = re.compile(r"\w+|[^\w\s]")
KEYWORDS = {"maria": 0, "gonzalez": 0, "march": 1, "2023": 1, "555": 2, "phone": 2}
DIMENSION = 8
MODEL_NAME = "fake-minilm"
MODEL_VERSION = "fake-1"


class FakeEmbedder:
    def __init__(self, dimension: int = DIMENSION, model_version: str = MODEL_VERSION):
        self.dimension = dimension
        self.model_version = model_version
        self.down = False
        self.calls: list[list[str]] = []
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], expected_model_version: str | None = None) -> Embeddings:
        if self.down:
            raise EmbedderUnavailable("embedder at fake unavailable after 4 attempt(s): UNAVAILABLE")
        if expected_model_version and expected_model_version != self.model_version:
            raise EmbedderVersionMismatch(f"expected model version {expected_model_version}, "
                                          f"serving {self.model_version}")
        with self._lock:
            self.calls.append(list(texts))
        vectors = np.zeros((len(texts), self.dimension), np.float32)
        for row, text in enumerate(texts):
            hits = [KEYWORDS[w] for w in text.lower().split() if w in KEYWORDS]
            vectors[row, hits[0] if hits else LABELS.index("NONE")] = 1.0
        return Embeddings(vectors, MODEL_NAME, self.model_version, 0)

    def embed_tokens(self, texts: Sequence[str], expected_model_version: str | None = None) -> list[TokenEmbeddings]:
        if self.down:
            raise EmbedderUnavailable("embedder at fake unavailable after 4 attempt(s): UNAVAILABLE")
        if expected_model_version and expected_model_version != self.model_version:
            raise EmbedderVersionMismatch(f"expected model version {expected_model_version}, "
                                          f"serving {self.model_version}")
        with self._lock:
            self.calls.append(list(texts))
        out = []
        for text in texts:
            matches = list(_TOKEN.finditer(text))
            vectors = np.zeros((len(matches), self.dimension), np.float32)
            for row, m in enumerate(matches):
                vectors[row, KEYWORDS.get(m.group().lower(), LABELS.index("NONE"))] = 1.0
            out.append(TokenEmbeddings(vectors, np.array([m.start() for m in matches], np.int32),
                                       np.array([m.end() for m in matches], np.int32), MODEL_NAME,
                                       self.model_version))
        return out

    def info(self) -> dict:
        if self.down:
            raise EmbedderUnavailable("embedder at fake unavailable after 4 attempt(s): UNAVAILABLE")
        return {"model_name": MODEL_NAME, "model_version": self.model_version, "dimension": self.dimension,
                "cache": {"hits": 0, "misses": 0, "size": 0, "maxsize": 0}, "max_batch_size": 64, "max_wait_ms": 2}

    def close(self) -> None:
        pass


def keyword_head(n_labels: int = len(LABELS), dimension: int = DIMENSION, sharpness: float = 6.0):
    """A real Keras head whose kernel maps direction i to label i (no training needed)."""
    import keras

    model = keras.Sequential([keras.Input((dimension,)), keras.layers.Dense(n_labels, activation="softmax")])
    kernel = np.zeros((dimension, n_labels), np.float32)
    for i in range(min(dimension, n_labels)):
        kernel[i, i] = sharpness
    model.layers[-1].set_weights([kernel, np.zeros(n_labels, np.float32)])
    return model


def metadata(dimension: int = DIMENSION, model_version: str = MODEL_VERSION, **extra) -> dict:
    return {"embedder_model": MODEL_NAME, "embedder_version": model_version, "dimension": dimension, **extra}
