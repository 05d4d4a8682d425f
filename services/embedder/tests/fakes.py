"""A tiny model with the real model's interface, to test batching and caching without TensorFlow."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from typing import Sequence

import numpy as np


class FakeModel:
    """Deterministic vectors from a hash of (version, text); records every batch it is asked to run.

    `gate`, when given, holds every model call until it is set, so a test can pile texts up
    behind a busy model; `delay` makes each call take that long.
    """

    def __init__(self, version: str = "v1", dimension: int = 8, delay: float = 0.0,
                 gate: threading.Event | None = None, case_insensitive: bool = False, name: str = "fake"):
        self.name = name
        self.version = version
        self.dimension = dimension
        self.case_insensitive = case_insensitive
        self.delay = delay
        self.gate = gate
        self.batches: list[list[str]] = []
        self.started = threading.Event()  # set when a call has begun (and is maybe held by the gate)
        self.fail_next = False
        self._lock = threading.Lock()
        self.token_batches: list[list[str]] = []

    token_vectors = True  # answers EmbedTokens: one "token" per run of non-space characters
    max_seq_length = 256

    def vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(f"{self.version}|{text}".encode()).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(self.dimension).astype(np.float32)
        return v / np.linalg.norm(v)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            self.batches.append(list(texts))
        self.started.set()
        if self.gate is not None:
            self.gate.wait(10)
        if self.delay:
            time.sleep(self.delay)
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("model exploded")
        return np.stack([self.vector(t) for t in texts])

    @property
    def texts_computed(self) -> list[str]:
        return [t for batch in self.batches for t in batch]

    def token_vector(self, text: str, i: int) -> np.ndarray:
        return self.vector(f"{text}#{i}")

    def embed_tokens(self, texts: Sequence[str], max_windows: int = 64):
        from services.embedder.model import TokenVectors

        with self._lock:
            self.token_batches.append(list(texts))
        self.started.set()
        if self.gate is not None:
            self.gate.wait(10)
        if self.delay:
            time.sleep(self.delay)
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("model exploded")
        out = []
        for text in texts:
            spans = [m.span() for m in re.finditer(r"\S+", text)]
            vectors = np.stack([self.token_vector(text, i) for i in range(len(spans))]) if spans else \
                np.zeros((0, self.dimension), np.float32)
            starts = np.array([a for a, _ in spans], dtype=np.int32)
            ends = np.array([b for _, b in spans], dtype=np.int32)
            out.append(TokenVectors(vectors, starts, ends, np.zeros(len(spans), np.int32), 1 if spans else 0))
        return out
